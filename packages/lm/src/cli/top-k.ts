/** One entry of a top-k list over a logits row. */
export interface TopEntry {
  readonly id: number;
  readonly logit: number;
  /** softmax probability over the whole row. */
  readonly probability: number;
}

/** The k largest logits of `row` (ties: lower id first) with their softmax probabilities. */
export function topK(row: Float32Array, k: number): TopEntry[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! - max);
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
  return order.slice(0, Math.min(k, row.length)).map((id) => ({
    id,
    logit: row[id]!,
    probability: Math.exp(row[id]! - max) / z,
  }));
}
