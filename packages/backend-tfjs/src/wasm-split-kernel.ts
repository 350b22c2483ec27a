import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';
import { wasmHeap } from './wasm-heap.js';

/**
 * `MeerkatSplitLeading`: x [n, ...rest] → n tensors [1, ...rest] (or, with attr `sizes`, pieces
 * [sizes_i, ...rest] in order, Σ sizes = n), a kernel for the WebAssembly engine only. tfjs-wasm's own Slice/SplitV/Unpack read their input with `readSync`, which copies
 * the whole input off the heap for every piece (splitting 4 MB into 32 took ≈170 ms); this
 * kernel copies each piece straight from the heap (≈1 ms). Its gradient concatenates the pieces'
 * gradients back along axis 0.
 */
export const SPLIT_LEADING = 'MeerkatSplitLeading';

function splitLeading({ inputs, backend, attrs }: Parameters<tfc.KernelFunc>[0]): tfc.TensorInfo[] {
  const x = inputs['x']!;
  const wasm = wasmHeap(backend);
  const rest = x.shape.slice(1);
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const sizes = (attrs?.['sizes'] as number[] | undefined) ?? Array<number>(x.shape[0]!).fill(1);
  const outs = sizes.map((rows) => wasm.makeOutput([rows, ...rest], x.dtype));
  const source = wasm.typedArrayFromHeap(x);
  let offset = 0;
  outs.forEach((out, i) => {
    const size = sizes[i]! * rowSize;
    wasm.typedArrayFromHeap(out).set(source.subarray(offset, offset + size));
    offset += size;
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

/**
 * x [n, ...rest] → n tensors [1, ...rest], or pieces of `sizes` rows (Σ sizes = n). Needs
 * `ensureSplitLeadingKernel` and the wasm engine.
 */
export function splitLeadingOnWasm(tf: Tf, x: tfc.Tensor, sizes?: readonly number[]): tfc.Tensor[] {
  const attrs = sizes === undefined ? {} : { sizes: [...sizes] };
  return tf.engine().runKernel(SPLIT_LEADING, { x }, attrs) as tfc.Tensor[];
}
