import type { AttentionDims } from '@meerkat/tensor';
import type { OnnxGraph } from '../onnx-graph.js';
import type { Lowering } from '../trace.js';

/** What a masked score is replaced with before the softmax (exp of it minus any real score is 0). */
const MASKED_SCORE = -1e30;

/** [s, t] booleans: query i sees key j when j ≤ i + (t − s). */
function causalVisibility(g: OnnxGraph, s: number, t: number): string {
  const keys = g.node('Range', [
    g.constant('int64', [], [0]),
    g.constant('int64', [], [t]),
    g.constant('int64', [], [1]),
  ]);
  const queries = g.node('Range', [
    g.constant('int64', [], [t - s]),
    g.constant('int64', [], [t]),
    g.constant('int64', [], [1]),
  ]);
  const lastVisible = g.node('Reshape', [queries, g.ints([s, 1])]);
  return g.node('LessOrEqual', [keys, lastVisible]);
}

/**
 * Grouped-query softmax attention. Query head h uses key/value head ⌊h / group⌋, so q is laid out
 * as [b, hkv, group·s, d] and each key/value head serves its group in one batched `MatMul`. Masked
 * scores are replaced (`Where`) before the softmax; with a key mask the probabilities are also
 * multiplied by the visibility, so a query row that sees no key yields zeros, never NaN.
 */
export function lowerAttention(a: AttentionDims, hasMask: boolean): Lowering {
  const { b, s, t, hq, hkv, d, group } = a;
  return (g, [q, k, v, mask]) => {
    const qh = g.node('Reshape', [
      g.node('Transpose', [q!], { perm: { ints: [0, 2, 1, 3] } }),
      g.ints([b, hkv, group * s, d]),
    ]);
    const kT = g.node('Transpose', [k!], { perm: { ints: [0, 2, 3, 1] } });
    const vh = g.node('Transpose', [v!], { perm: { ints: [0, 2, 1, 3] } });
    const raw = g.node('Mul', [g.node('MatMul', [qh, kT]), g.scalar(a.scale)]);
    let scores = g.node('Reshape', [raw, g.ints([b, hkv, group, s, t])]);
    let visible: string | null = a.causal ? causalVisibility(g, s, t) : null;
    if (hasMask) {
      const keyVisible = g.node('Reshape', [
        g.node('Not', [g.node('Equal', [mask!, g.scalar(0)])]),
        g.ints([b, 1, 1, 1, t]),
      ]);
      visible = visible === null ? keyVisible : g.node('And', [visible, keyVisible]);
    }
    if (visible !== null) scores = g.node('Where', [visible, scores, g.scalar(MASKED_SCORE)]);
    let probs = g.node('Softmax', [scores], { axis: { int: -1 } });
    if (hasMask && visible !== null) {
      probs = g.node('Mul', [probs, g.node('Cast', [visible], { to: { int: 1 } })]);
    }
    const out = g.node('MatMul', [g.node('Reshape', [probs, g.ints([b, hkv, group * s, t])]), vh]);
    return g.node('Transpose', [g.node('Reshape', [out, g.ints([b, hq, s, d])])], {
      perm: { ints: [0, 2, 1, 3] },
    });
  };
}
