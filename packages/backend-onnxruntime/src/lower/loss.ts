import type { Lowering } from '../trace.js';

/** `embedding`: rows of the table gathered by int32 ids laid out in idsShape. */
export const lowerEmbedding: Lowering = (g, [table, ids]) => g.node('Gather', [table!, ids!]);

/** `logSoftmax` along the last axis. */
export const lowerLogSoftmax: Lowering = (g, [x]) =>
  g.node('LogSoftmax', [x!], { axis: { int: -1 } });

/**
 * `crossEntropy`: the selected rows of logits viewed as [R, V], then
 * logsumexp(row) − row[target] per pair.
 */
export function lowerCrossEntropy(rows: number, vocab: number, pairs: number): Lowering {
  return (g, [logits, rowIds, targets]) => {
    const picked = g.node('Gather', [g.node('Reshape', [logits!, g.ints([rows, vocab])]), rowIds!]);
    const lse = g.node('ReduceLogSumExp', [picked], { axes: { ints: [1] }, keepdims: { int: 0 } });
    const target = g.node(
      'GatherElements',
      [picked, g.node('Reshape', [targets!, g.ints([pairs, 1])])],
      {
        axis: { int: 1 },
      },
    );
    return g.node('Sub', [lse, g.node('Reshape', [target, g.ints([pairs])])]);
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
