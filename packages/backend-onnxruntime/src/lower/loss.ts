import type { Lowering } from '../trace.js';

/** `embedding`: rows of the table gathered by int32 ids laid out in idsShape. */
export const lowerEmbedding: Lowering = (g, [table, ids]) => g.node('Gather', [table!, ids!]);

/** `logSoftmax` along the last axis. */
export const lowerLogSoftmax: Lowering = (g, [x]) =>
  g.node('LogSoftmax', [x!], { axis: { int: -1 } });

/**
 * `crossEntropy` over every row: log-softmax of logits viewed as [R, V] (ONNX Runtime's
 * vectorised kernel, about 3.5× faster than ReduceLogSumExp here), then −logp at the flat indices
 * r·V + t. For when most rows are asked for (the causal-LM loss).
 */
export function lowerCrossEntropyAllRows(rows: number, vocab: number): Lowering {
  return (g, [logits, flatIndices]) => {
    const logp = g.node('LogSoftmax', [g.node('Reshape', [logits!, g.ints([rows, vocab])])], {
      axis: { int: -1 },
    });
    return g.node('Neg', [
      g.node('Gather', [g.node('Reshape', [logp, g.ints([rows * vocab])]), flatIndices!]),
    ]);
  };
}

/**
 * `crossEntropy` over a few rows: gather those rows of logits viewed as [R, V], log-softmax them,
 * then −logp[target] per pair. For when few rows are asked for (a verbalizer's positions).
 */
export function lowerCrossEntropySelectedRows(
  rows: number,
  vocab: number,
  pairs: number,
): Lowering {
  return (g, [logits, rowIds, targets]) => {
    const picked = g.node('Gather', [g.node('Reshape', [logits!, g.ints([rows, vocab])]), rowIds!]);
    const logp = g.node('LogSoftmax', [picked], { axis: { int: -1 } });
    const target = g.node(
      'GatherElements',
      [logp, g.node('Reshape', [targets!, g.ints([pairs, 1])])],
      { axis: { int: 1 } },
    );
    return g.node('Neg', [g.node('Reshape', [target, g.ints([pairs])])]);
  };
}

/** `sum` of every element: a scalar. */
export function lowerSum(rank: number): Lowering {
  return (g, [x]) =>
    rank === 0 ? g.node('Identity', [x!]) : g.node('ReduceSum', [x!], { keepdims: { int: 0 } });
}

/** `scatterUpdate` of a tensor that is not computed yet: ScatterND on its flat view. */
export function lowerScatter(shape: readonly number[], size: number): Lowering {
  return (g, [x, indices, values]) =>
    g.node('Reshape', [
      g.node('ScatterND', [g.node('Reshape', [x!, g.ints([size])]), indices!, values!]),
      g.ints(shape),
    ]);
}
