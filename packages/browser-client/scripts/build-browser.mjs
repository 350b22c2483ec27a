// Bundles the browser client (src/index.ts) into one ES module for browsers:
//
//   node scripts/build-browser.mjs            → dist/bundle/meerkat-browser.js (+ .map)
//   node scripts/build-browser.mjs --out DIR  → DIR/meerkat-browser.js
//
// Workspace packages resolve to their TypeScript sources through the `meerkat-source` export
// condition, so no prior `turbo build` is needed. `platform: 'browser'` makes esbuild fail on any
// Node built-in the bundle pulls in — that failure is the check that the client is browser-safe.
//
// @meerkat/lm needs no exception: `platform: 'browser'` turns on the `browser` condition, under
// which lm's `#load-checkpoint` import resolves to a stub that throws (see
// packages/lm/src/browser.ts), so nothing the client reaches imports node:fs or node:path.
//
// ONNX Runtime Web (`ort:wasm`, `ort:webgpu`) is in the bundle as onnxruntime-web's
// `onnxruntime-web-use-extern-wasm` build: its WebAssembly loader (.mjs) and binary (.wasm) are
// files the page serves, copied to DIR/ort/ (pass `wasmPaths: '<url of DIR>/ort/'` to
// createOrtBackend). The loader must be a file of its own: multi-threaded wasm starts its
// workers from it.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** onnxruntime-web's files the page serves next to the bundle (the JSEP build: wasm + WebGPU). */
export const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
];

/** The bundle's own entry: the ORT browser entry, whose exclusion gives the size without ORT. */
const ORT_ENTRY = '@meerkat/backend-onnxruntime/browser';

const gzipBytes = (bytes) => gzipSync(bytes).length;

function esbuildOptions(minify) {
  return {
    entryPoints: [join(packageDir, 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['meerkat-source', 'onnxruntime-web-use-extern-wasm'],
    // Whitespace and identifiers only: gpu.js compiles kernels from their JavaScript source, and
    // its WebGL translator rejects what syntax minification writes (e.g. `let a = 0, b = 0.5`
    // merged from two declarations fails with "Unhandled declaration").
    minifyWhitespace: minify,
    minifyIdentifiers: minify,
    minifySyntax: false,
    logLevel: 'silent',
  };
}

/**
 * Builds the bundle and copies onnxruntime-web's runtime files to `DIR/ort/`. Returns the bundle's
 * path and sizes: `bytes`/`gzipBytes` of the bundle, `withoutOrt` (the same bundle with the ONNX
 * Runtime backend left out, measured only) and `ortRuntime` (the files in `DIR/ort/`).
 * @param {{ outDir?: string, minify?: boolean }} [options]
 */
export async function buildBrowserBundle(options = {}) {
  const outDir = options.outDir ?? join(packageDir, 'dist', 'bundle');
  const minify = options.minify ?? true;
  mkdirSync(join(outDir, 'ort'), { recursive: true });
  const outfile = join(outDir, 'meerkat-browser.js');
  await build({ ...esbuildOptions(minify), outfile, sourcemap: true });
  const bundle = readFileSync(outfile);
  const without = await build({
    ...esbuildOptions(minify),
    external: [ORT_ENTRY],
    write: false,
    outfile,
  });
  const withoutJs = without.outputFiles.find((f) => f.path.endsWith('.js')).contents;
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const ortRuntime = ORT_RUNTIME_FILES.map((name) => {
    copyFileSync(join(ortDist, name), join(outDir, 'ort', name));
    const bytes = readFileSync(join(outDir, 'ort', name));
    return { name, bytes: bytes.length, gzipBytes: gzipBytes(bytes) };
  });
  return {
    outfile,
    bytes: bundle.length,
    gzipBytes: gzipBytes(bundle),
    withoutOrt: { bytes: withoutJs.length, gzipBytes: gzipBytes(withoutJs) },
    ortRuntime,
  };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/** One line: the bundle with and without ORT, and the ORT files the page serves. */
export function describeSizes({ outfile, bytes, gzipBytes, withoutOrt, ortRuntime }) {
  const files = ortRuntime.map((f) => `${f.name} ${kib(f.bytes)} (gzip ${kib(f.gzipBytes)})`);
  return `${outfile}: ${kib(bytes)} (gzip ${kib(gzipBytes)}); without the ONNX Runtime backend ${kib(withoutOrt.bytes)} (gzip ${kib(withoutOrt.gzipBytes)}); served beside it in ort/: ${files.join(', ')}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? resolve(process.argv[at + 1]) : undefined;
  try {
    const sizes = await buildBrowserBundle(outDir === undefined ? {} : { outDir });
    console.log(describeSizes(sizes));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
