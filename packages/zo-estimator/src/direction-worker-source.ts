/**
 * The source of a direction worker thread, run with `new Worker(source, { eval: true })`.
 *
 * Why a string: a worker file would have to be plain JavaScript that Node can load both from
 * `dist/` and, under vitest, from `src/` (where the package is TypeScript), and keep working when
 * an application bundles this package into one file. A self-contained script has no module to
 * resolve. It imports nothing from this package either: the main thread hands it the compiled
 * WebAssembly kernels (`WebAssembly.Module` is shared with workers, not re-compiled), which are
 * the very kernels `fillDirectionRange` runs, so the worker computes exactly the same entries.
 *
 * workerData: `{ gaussianModule, philoxModule, chunkBlocks }`.
 * Message in: `{ id, buffer, byteOffset, firstBlock, endBlock, k0, k1, stream, gaussian }`:
 * write the entries of whole Philox blocks [firstBlock, endBlock) as float32 into
 * `new Float32Array(buffer, byteOffset, 4·(endBlock − firstBlock))` (a SharedArrayBuffer).
 * Message out: `{ id }`, or `{ id, error }` with the error's stack.
 *
 * Whole blocks only: the pool computes partial head/tail blocks on the main thread. Gaussian
 * entries come straight from the Gaussian kernel (float32 in its memory); Rademacher entries map
 * each Philox word to (x & 1) ? +1 : −1 — direction stream v1, as in `directions.ts`.
 */
export const DIRECTION_WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const chunkBlocks = workerData.chunkBlocks;
const gaussianExports = new WebAssembly.Instance(workerData.gaussianModule, {}).exports;
const philoxExports = new WebAssembly.Instance(workerData.philoxModule, {}).exports;
const gaussianEntries = new Float32Array(gaussianExports.memory.buffer, 0, 4 * chunkBlocks);
const philoxWords = new Uint32Array(philoxExports.memory.buffer, 0, 4 * chunkBlocks);
parentPort.on('message', (m) => {
  try {
    const out = new Float32Array(m.buffer, m.byteOffset, 4 * (m.endBlock - m.firstBlock));
    let o = 0;
    for (let b = m.firstBlock; b < m.endBlock; b += chunkBlocks) {
      const count = Math.min(chunkBlocks, m.endBlock - b);
      const n = 4 * count;
      if (m.gaussian) {
        gaussianExports.gaussian(m.k0, m.k1, m.stream, b, count, 0);
        out.set(gaussianEntries.subarray(0, n), o);
      } else {
        philoxExports.blocks(m.k0, m.k1, m.stream, b, count, 0);
        for (let i = 0; i < n; i++) out[o + i] = philoxWords[i] & 1 ? 1 : -1;
      }
      o += n;
    }
    parentPort.postMessage({ id: m.id });
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.stack) || error) });
  }
});
`;
