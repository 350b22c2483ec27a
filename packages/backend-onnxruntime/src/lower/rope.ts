import type { RopeDims } from '@meerkat/tensor';
import type { Lowering } from '../trace.js';

/**
 * `rope`, rotate-half: with x = [x₁ | x₂] split at d/2 along the last axis,
 * y = [x₁·cos − x₂·sin | x₂·cos + x₁·sin]. The tables ([s, d/2] or [b, s, d/2]) are reshaped to
 * broadcast over the heads axis.
 */
export function lowerRope(r: RopeDims): Lowering {
  const half = r.d / 2;
  const tableShape = r.perBatch ? [r.b, r.s, 1, half] : [r.s, 1, half];
  return (g, [x, cosTable, sinTable]) => {
    const cos = g.node('Reshape', [cosTable!, g.ints(tableShape)]);
    const sin = g.node('Reshape', [sinTable!, g.ints(tableShape)]);
    const [x1, x2] = g.nodeWithOutputs('Split', [x!, g.ints([half, half])], 2, {
      axis: { int: -1 },
    }) as [string, string];
    const y1 = g.node('Sub', [g.node('Mul', [x1, cos]), g.node('Mul', [x2, sin])]);
    const y2 = g.node('Add', [g.node('Mul', [x2, cos]), g.node('Mul', [x1, sin])]);
    return g.node('Concat', [y1, y2], { axis: { int: -1 } });
  };
}
