import type { Lowering } from '../trace.js';

/** `add` / `mul`: b is a trailing part of a's shape, which is ONNX (numpy) broadcasting. */
export function lowerBinary(op: 'Add' | 'Mul'): Lowering {
  return (g, [a, b]) => g.node(op, [a!, b!]);
}

/** `scale`: a · s. */
export function lowerScale(s: number): Lowering {
  return (g, [a]) => g.node('Mul', [a!, g.scalar(s)]);
}

/**
 * `silu`: x / (1 + e^(−x)). Not x · Sigmoid(x): ONNX Runtime's vectorised Sigmoid flushes to 0
 * below about −27, where silu is still a normal float32 (−2.8e−12 at −27).
 */
export const lowerSilu: Lowering = (g, [x]) =>
  g.node('Div', [x!, g.node('Add', [g.scalar(1), g.node('Exp', [g.node('Neg', [x!])])])]);

/** `swiglu`: silu(gate) ⊙ up. */
export const lowerSwiglu: Lowering = (g, [gate, up]) => g.node('Mul', [lowerSilu(g, [gate!]), up!]);

/**
 * `rmsNorm`: x / √(mean(x²) + eps) ⊙ w, written as the Pow → ReduceMean → Add → Sqrt → Div → Mul
 * chain that ONNX Runtime fuses into one SimplifiedLayerNormalization kernel.
 */
export function lowerRmsNorm(eps: number): Lowering {
  return (g, [x, w]) => {
    const meanSquare = g.node('ReduceMean', [g.node('Pow', [x!, g.scalar(2)])], {
      axes: { ints: [-1] },
      keepdims: { int: 1 },
    });
    const rms = g.node('Sqrt', [g.node('Add', [meanSquare, g.scalar(eps)])]);
    return g.node('Mul', [g.node('Div', [x!, rms]), w!]);
  };
}

/** `reshape`. */
export function lowerReshape(shape: readonly number[]): Lowering {
  return (g, [x]) => g.node('Reshape', [x!, g.ints(shape)]);
}
