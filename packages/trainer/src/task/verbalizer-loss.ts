import { classificationScores, type LlamaModel, labelWordRows } from '@meerkat/lm';
import type { Tensor } from '@meerkat/tensor';
import type { ClassificationTask } from './classification-task.js';

/** Mean classification loss and per-prompt predictions of a batch. */
export interface VerbalizerResult {
  /** Mean over prompts of −log softmax_labels(score)[gold] (nats): the loss restricted to the label words. */
  readonly loss: number;
  readonly predictions: Uint32Array;
  /** Forward passes spent (one per batch of rows). */
  readonly forwardPasses: number;
}

/** Left-padded batch of prompts: ids, mask, shape. */
export function leftPadded(prompts: readonly Uint32Array[]): {
  ids: Uint32Array;
  mask: Uint32Array;
  shape: [number, number];
} {
  const s = Math.max(...prompts.map((p) => p.length));
  const b = prompts.length;
  const ids = new Uint32Array(b * s);
  const mask = new Uint32Array(b * s);
  prompts.forEach((p, r) => {
    ids.set(p, r * s + s - p.length);
    mask.fill(1, r * s + s - p.length, (r + 1) * s);
  });
  return { ids, mask, shape: [b, s] };
}

function restrictedLoss(
  scores: ArrayLike<number>,
  labels: number,
  gold: ArrayLike<number>,
): { loss: number; predictions: Uint32Array } {
  const n = gold.length;
  let total = 0;
  const predictions = new Uint32Array(n);
  for (let p = 0; p < n; p++) {
    let max = -Infinity;
    let best = 0;
    for (let l = 0; l < labels; l++) {
      const v = scores[p * labels + l]!;
      if (v > max) {
        max = v;
        best = l;
      }
    }
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += Math.exp(scores[p * labels + l]! - max);
    total += max + Math.log(sum) - scores[p * labels + gold[p]!]!;
    predictions[p] = best;
  }
  return { loss: total / n, predictions };
}

/**
 * The classification loss of `prompts` against `gold` label ids, restricted to the label words
 * (a softmax over the verbalizer's scores, as in DESIGN.md §6). Single-token label words need one
 * forward pass with `logits: 'last'` per `batchSize` prompts; multi-token words are scored with
 * `@meerkat/lm`'s `classificationScores` (one row per prompt × label).
 */
export async function verbalizerLoss(
  model: LlamaModel,
  task: ClassificationTask,
  prompts: readonly Uint32Array[],
  gold: ArrayLike<number>,
  batchSize = prompts.length,
): Promise<VerbalizerResult> {
  const L = task.labels.length;
  const scores = new Float64Array(prompts.length * L);
  let forwardPasses = 0;
  if (task.singleTokenLabels) {
    const be = model.backend;
    // The head only at each row's last real position and only for the label tokens: [b, L].
    const vocabIds = Uint32Array.from(task.labelTokens, (t) => t[0]!);
    for (let start = 0; start < prompts.length; start += batchSize) {
      const chunk = prompts.slice(start, start + batchSize);
      const { ids, mask, shape } = leftPadded(chunk);
      const logits = model.forward(ids, shape, { logits: 'last', attentionMask: mask, vocabIds });
      const values = await be.download(logits);
      logits.dispose();
      forwardPasses++;
      scores.set(values, start * L);
    }
  } else {
    const result = await classificationScores(model, prompts, task.labelTokens, {
      batchSize: Math.max(1, batchSize * L),
    });
    scores.set(result.scores);
    forwardPasses += Math.ceil((prompts.length * L) / Math.max(1, batchSize * L));
  }
  return { ...restrictedLoss(scores, L, gold), forwardPasses };
}

/**
 * The same loss as a backend scalar tensor, for gradients (call inside
 * `backend.valueAndGradients`). Single-token label words: logits at the last position [b, V]
 * times a one-hot selection [V, L], then the mean cross-entropy. Multi-token label words: each
 * label's score is `classificationScores`'s, Σ_m log p(word_m | prompt, word_<m), from one
 * forward of every (prompt, label) pair as a right-padded row (prompt, then the word; padding
 * masked out), the per-token log-probabilities summed into [b, L] with a one-hot matrix; then the
 * same softmax over the labels. Either way the value equals `verbalizerLoss`'s (in float32).
 */
export function verbalizerLossTensor(
  model: LlamaModel,
  task: ClassificationTask,
  prompts: readonly Uint32Array[],
  gold: ArrayLike<number>,
): Tensor {
  const be = model.backend;
  const L = task.labels.length;
  const rows = Uint32Array.from(prompts.keys());
  let restricted: Tensor;
  if (task.singleTokenLabels) {
    const V = model.config.vocabSize;
    const select = new Float32Array(V * L);
    task.labelTokens.forEach((t, l) => {
      select[t[0]! * L + l] = 1;
    });
    const { ids, mask, shape } = leftPadded(prompts);
    const logits = model.forward(ids, shape, { logits: 'last', attentionMask: mask });
    restricted = be.matmul(logits, be.upload(select, [V, L]));
  } else {
    restricted = labelWordScores(model, prompts, task.labelTokens);
  }
  const nll = be.crossEntropy(restricted, rows, Uint32Array.from(gold));
  return be.scale(be.sum(nll), 1 / prompts.length);
}

/**
 * log p(label word | prompt) summed over the word's tokens, as a [prompts, labels] tensor that
 * gradients flow through: the rows `classificationScores` scores (one per prompt × label, prompt
 * then word, right-padded with the padding masked out), one forward with all logits, the
 * per-token negative log-likelihoods of the word's tokens, and their sums per row as a product
 * with a one-hot [tokens, prompts·labels] matrix.
 */
export function labelWordScores(
  model: LlamaModel,
  prompts: readonly Uint32Array[],
  labelWords: readonly Uint32Array[],
): Tensor {
  const be = model.backend;
  const L = labelWords.length;
  const pairs = prompts.length * L;
  const { ids, mask, shape, rows, targets, owner } = labelWordRows(prompts, labelWords);
  const logits = model.forward(ids, shape, { logits: 'all', attentionMask: mask });
  const nll = be.crossEntropy(logits, rows, targets);
  // score[i] = −Σ_{j: owner_j = i} nll_j: [1, tokens] × [tokens, pairs], negated.
  const sumByPair = new Float32Array(owner.length * pairs);
  owner.forEach((i, j) => {
    sumByPair[j * pairs + i] = -1;
  });
  const scores = be.matmul(
    be.reshape(nll, [1, owner.length]),
    be.upload(sumByPair, [owner.length, pairs]),
  );
  return be.reshape(scores, [prompts.length, L]);
}
