// Bundles the browser client for a page with scripts/build-browser.mjs (esbuild, one ES module,
// `platform: 'browser'`, so any Node built-in fails the build) into a temporary directory, and
// prints the bundle's size with and without the ONNX Runtime backend, the onnxruntime-web files
// copied beside it for the page to serve, and the names the bundle exports; then deletes the
// directory (27 MiB of it is ONNX Runtime's .wasm). About 2 s: two esbuild runs over the
// workspace sources (the `meerkat-source` condition), so no `turbo build` is needed.
//
//   node examples/bundle.mjs
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowserBundle, describeSizes } from '../scripts/build-browser.mjs';

const outDir = mkdtempSync(join(tmpdir(), 'meerkat-browser-example-'));
const started = performance.now();
const sizes = await buildBrowserBundle({ outDir });
console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(describeSizes(sizes));
console.log(
  `${outDir}: ${readdirSync(outDir).join(', ')}; ort/: ${readdirSync(join(outDir, 'ort')).join(', ')}`,
);
// The bundle ends with one `export { local as name, … }` statement.
const text = readFileSync(sizes.outfile, 'utf8');
const exportList = [...text.matchAll(/export\s*\{([^}]*)\}/g)].at(-1)?.[1] ?? '';
const names = exportList
  .split(',')
  .map((s) =>
    s
      .trim()
      .split(/\s+as\s+/)
      .at(-1),
  )
  .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
  .sort();
console.log(`exports (${names.length}): ${names.join(', ')}`);
rmSync(outDir, { recursive: true, force: true });
