import type { MatmulDims } from '@meerkat/tensor';
import type { Lowering } from '../trace.js';

/**
 * `matmul`. A shared (rank-2) B used transposed — every Linear layer, whose weight is [out, in] —
 * is one `Gemm` with `transB` on A flattened to rows: ONNX Runtime's sgemm reads Bᵀ in place, so
 * a weight bound as a graph input is never copied or transposed per run. Batched B goes through
 * `MatMul` (with a `Transpose` when asked).
 */
export function lowerMatmul(d: MatmulDims): Lowering {
  return (g, [a, b]) => {
    if (!d.batchedB && d.transposeB) {
      const rows = d.batchedA ? g.node('Reshape', [a!, g.ints([d.batch * d.m, d.k])]) : a!;
      const y = g.node('Gemm', [rows, b!], { transB: { int: 1 } });
      return d.batchedA ? g.node('Reshape', [y, g.ints(d.outShape)]) : y;
    }
    const right =
      d.transposeB && d.batchedB ? g.node('Transpose', [b!], { perm: { ints: [0, 2, 1] } }) : b!;
    return g.node('MatMul', [a!, right]);
  };
}
