import type { RopeDims } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';
import { wasmHeap } from './wasm-heap.js';

/**
 * `MeerkatRope`: rotate-half RoPE in one pass over the WebAssembly heap, for the wasm engine
 * only. The composite form (`ops.rope`: split, four products, a sum, a difference, concat) makes
 * eight passes, and tfjs-wasm's split copies the whole input per half. Inputs x [b, s, heads, d],
 * cos and sin [s, d/2] or [b, s, d/2] (attr `perBatch`). It has no gradient: the backend uses it
 * only outside `valueAndGradients` (a taped use fails loudly, naming the kernel).
 */
export const ROPE = 'MeerkatRope';

function rope({ inputs, backend, attrs }: Parameters<tfc.KernelFunc>[0]): tfc.TensorInfo {
  const { x, cos, sin } = inputs as Record<'x' | 'cos' | 'sin', tfc.TensorInfo>;
  const perBatch = attrs?.['perBatch'] === true;
  const [b, s, heads, d] = x.shape as [number, number, number, number];
  const half = d / 2;
  const wasm = wasmHeap(backend);
  const out = wasm.makeOutput([...x.shape], x.dtype);
  const xs = wasm.typedArrayFromHeap(x);
  const cs = wasm.typedArrayFromHeap(cos);
  const sn = wasm.typedArrayFromHeap(sin);
  const ys = wasm.typedArrayFromHeap(out);
  for (let bi = 0; bi < b; bi++) {
    for (let si = 0; si < s; si++) {
      const table = (perBatch ? bi * s + si : si) * half;
      for (let h = 0; h < heads; h++) {
        const base = ((bi * s + si) * heads + h) * d;
        for (let i = 0; i < half; i++) {
          const c = cs[table + i]!;
          const n = sn[table + i]!;
          const x1 = xs[base + i]!;
          const x2 = xs[base + half + i]!;
          ys[base + i] = x1 * c - x2 * n;
          ys[base + half + i] = x2 * c + x1 * n;
        }
      }
    }
  }
  return out;
}

const registered = new WeakSet<object>();

/** Registers the kernel on tfjs's 'wasm' backend (idempotent). */
export function ensureRopeKernel(tf: Tf): void {
  if (registered.has(tf)) return;
  if (tf.getKernel(ROPE, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: ROPE, backendName: 'wasm', kernelFunc: rope });
  }
  registered.add(tf);
}

/** RoPE of x with tables cos/sin by `MeerkatRope` (needs `ensureRopeKernel` and the wasm engine). */
export function ropeOnWasm(
  tf: Tf,
  x: tfc.Tensor,
  cos: tfc.Tensor,
  sin: tfc.Tensor,
  dims: RopeDims,
): tfc.Tensor {
  return tf.engine().runKernel(ROPE, { x, cos, sin }, { perBatch: dims.perBatch }) as tfc.Tensor;
}
