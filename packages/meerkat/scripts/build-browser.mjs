// Bundles the browser client (src/browser/index.ts) into one ES module for browsers:
//
//   node scripts/build-browser.mjs            → dist/browser/meerkat-browser.js (+ .map)
//   node scripts/build-browser.mjs --out DIR  → DIR/meerkat-browser.js
//
// Workspace packages resolve to their TypeScript sources through the `meerkat-source` export
// condition, so no prior `turbo build` is needed. `platform: 'browser'` makes esbuild fail on any
// Node built-in the bundle pulls in — that failure is the check that the client is browser-safe.
//
// @meerkat/lm needs no exception: `platform: 'browser'` turns on the `browser` condition, under
// which lm's `#load-checkpoint` import resolves to a stub that throws (see
// packages/lm/src/browser.ts), so nothing the client reaches imports node:fs or node:path.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the bundle. Returns `{ outfile, bytes }`.
 * @param {{ outDir?: string, minify?: boolean }} [options]
 */
export async function buildBrowserBundle(options = {}) {
  const outDir = options.outDir ?? join(packageDir, 'dist', 'browser');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'meerkat-browser.js');
  const result = await build({
    entryPoints: [join(packageDir, 'src', 'browser', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['meerkat-source'],
    // Whitespace and identifiers only: gpu.js compiles kernels from their JavaScript source, and
    // its WebGL translator rejects what syntax minification writes (e.g. `let a = 0, b = 0.5`
    // merged from two declarations fails with "Unhandled declaration").
    minifyWhitespace: options.minify ?? true,
    minifyIdentifiers: options.minify ?? true,
    minifySyntax: false,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((p) => p.endsWith('.js'))]
      .bytes;
  return { outfile, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? resolve(process.argv[at + 1]) : undefined;
  try {
    const { outfile, bytes } = await buildBrowserBundle(outDir === undefined ? {} : { outDir });
    console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
