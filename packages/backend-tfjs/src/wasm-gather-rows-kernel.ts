import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';
import { wasmHeap } from './wasm-heap.js';

/**
 * `MeerkatGatherRows`: table [rows, h] and attr `ids` (row numbers, already checked < rows) →
 * [ids.length, h], one heap copy per row, for the wasm engine only (tfjs-wasm's GatherV2 took
 * ≈25 ms CPU for 1024 rows of 512). It has no gradient: the backend uses it only outside
 * `valueAndGradients` (a taped use fails loudly, naming the kernel).
 */
export const GATHER_ROWS = 'MeerkatGatherRows';

function gatherRows({ inputs, backend, attrs }: Parameters<tfc.KernelFunc>[0]): tfc.TensorInfo {
  const table = inputs['table']!;
  const ids = attrs?.['ids'] as number[];
  const h = table.shape[1]!;
  const wasm = wasmHeap(backend);
  const out = wasm.makeOutput([ids.length, h], table.dtype);
  const source = wasm.typedArrayFromHeap(table);
  const target = wasm.typedArrayFromHeap(out);
  ids.forEach((row, i) => {
    target.set(source.subarray(row * h, (row + 1) * h), i * h);
  });
  return out;
}

const registered = new WeakSet<object>();

/** Registers the kernel on tfjs's 'wasm' backend (idempotent). */
export function ensureGatherRowsKernel(tf: Tf): void {
  if (registered.has(tf)) return;
  if (tf.getKernel(GATHER_ROWS, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: GATHER_ROWS, backendName: 'wasm', kernelFunc: gatherRows });
  }
  registered.add(tf);
}

/** Rows `ids` of table [rows, h] → [ids.length, h] (needs `ensureGatherRowsKernel`, wasm). */
export function gatherRowsOnWasm(tf: Tf, table: tfc.Tensor, ids: Uint32Array): tfc.Tensor {
  return tf.engine().runKernel(GATHER_ROWS, { table }, { ids: Array.from(ids) }) as tfc.Tensor;
}
