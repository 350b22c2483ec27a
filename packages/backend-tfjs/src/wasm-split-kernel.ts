import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';
import { wasmHeap } from './wasm-heap.js';

/**
 * `MeerkatSplitLeading`: x [n, ...rest] → n tensors [1, ...rest], a kernel for the WebAssembly
 * engine only. tfjs-wasm's own Slice/SplitV/Unpack read their input with `readSync`, which copies
 * the whole input off the heap for every piece (splitting 4 MB into 32 took ≈170 ms); this
 * kernel copies each piece straight from the heap (≈1 ms). Its gradient concatenates the pieces'
 * gradients back along axis 0.
 */
export const SPLIT_LEADING = 'MeerkatSplitLeading';

function splitLeading({ inputs, backend }: Parameters<tfc.KernelFunc>[0]): tfc.TensorInfo[] {
  const x = inputs['x']!;
  const wasm = wasmHeap(backend);
  const n = x.shape[0]!;
  const pieceShape = [1, ...x.shape.slice(1)];
  const pieceSize = pieceShape.reduce((a, b) => a * b, 1);
  const outs: tfc.TensorInfo[] = [];
  for (let i = 0; i < n; i++) outs.push(wasm.makeOutput(pieceShape, x.dtype));
  const source = wasm.typedArrayFromHeap(x);
  outs.forEach((out, i) => {
    wasm.typedArrayFromHeap(out).set(source.subarray(i * pieceSize, (i + 1) * pieceSize));
  });
  return outs;
}

const registered = new WeakSet<object>();

/** Registers the kernel on tfjs's 'wasm' backend and its gradient (idempotent). */
export function ensureSplitLeadingKernel(tf: Tf): void {
  if (registered.has(tf)) return;
  if (tf.getKernel(SPLIT_LEADING, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: SPLIT_LEADING, backendName: 'wasm', kernelFunc: splitLeading });
  }
  if (tf.getGradient(SPLIT_LEADING) === undefined) {
    tf.registerGradient({
      kernelName: SPLIT_LEADING,
      gradFunc: (dy) => ({ x: () => tf.concat(Array.isArray(dy) ? dy : [dy], 0) }),
    });
  }
  registered.add(tf);
}

/** x [n, ...rest] → n tensors [1, ...rest] (needs `ensureSplitLeadingKernel` and the wasm engine). */
export function splitLeadingOnWasm(tf: Tf, x: tfc.Tensor): tfc.Tensor[] {
  return tf.engine().runKernel(SPLIT_LEADING, { x }, {}) as tfc.Tensor[];
}
