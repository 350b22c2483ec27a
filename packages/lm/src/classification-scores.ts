import { LmError } from './errors.js';
import type { LlamaModel } from './model.js';

/** Result of `classificationScores`. */
export interface ClassificationScores {
  /**
   * log p(label word | prompt), summed over the label word's tokens, row-major
   * [prompts, labels]: `scores[p · labels + l]`.
   */
  readonly scores: Float64Array;
  /** Per prompt, the label with the highest score (the lowest index on ties). */
  readonly predictions: Uint32Array;
  readonly labelCount: number;
}

/** Options of `classificationScores`. */
export interface ClassificationOptions {
  /** (prompt, label) sequences per forward pass; default 32. */
  readonly batchSize?: number;
}

/** The (prompt, label word) rows of one batch: what `labelWordRows` returns. */
export interface LabelWordRows {
  /** Right-padded rows, prompt then label word: ids, attention mask and shape [rows, length]. */
  readonly ids: Uint32Array;
  readonly mask: Uint32Array;
  readonly shape: [number, number];
  /** Flat positions (row · length + t) whose logits predict a label-word token, and that token. */
  readonly rows: Uint32Array;
  readonly targets: Uint32Array;
  /** The pair index (prompt · labels + label) each of those tokens belongs to. */
  readonly owner: Uint32Array;
}

/**
 * The rows that score label words: pair i = prompt ⌊i / L⌋ followed by label word i mod L, for
 * pairs [start, end), right-padded with the padding masked out, with the positions and tokens of
 * every label-word token. `classificationScores` downloads their log-probabilities; a first-order
 * loss (e.g. `meerkat`'s `verbalizerLossTensor`) sums them inside the graph.
 */
export function labelWordRows(
  prompts: readonly Uint32Array[],
  labelWords: readonly Uint32Array[],
  start = 0,
  end = prompts.length * labelWords.length,
): LabelWordRows {
  const L = labelWords.length;
  const b = end - start;
  let s = 0;
  for (let i = start; i < end; i++) {
    s = Math.max(s, prompts[Math.floor(i / L)]!.length + labelWords[i % L]!.length);
  }
  const ids = new Uint32Array(b * s);
  const mask = new Uint32Array(b * s);
  const rows: number[] = [];
  const targets: number[] = [];
  const owner: number[] = [];
  for (let i = start; i < end; i++) {
    const prompt = prompts[Math.floor(i / L)]!;
    const word = labelWords[i % L]!;
    const r = i - start;
    ids.set(prompt, r * s);
    ids.set(word, r * s + prompt.length);
    mask.fill(1, r * s, r * s + prompt.length + word.length);
    for (let m = 0; m < word.length; m++) {
      rows.push(r * s + prompt.length + m - 1);
      targets.push(word[m]!);
      owner.push(i);
    }
  }
  return {
    ids,
    mask,
    shape: [b, s],
    rows: Uint32Array.from(rows),
    targets: Uint32Array.from(targets),
    owner: Uint32Array.from(owner),
  };
}

/**
 * Verbalizer scoring: for every prompt and every label word (token ids, possibly several tokens),
 * the summed log-probability of the label word's tokens following the prompt,
 * Σ_m log p(label_m | prompt, label_<m). Each (prompt, label) pair is one right-padded row of a
 * batch (padding masked out), so a label's score never depends on what else is in the batch.
 */
export async function classificationScores(
  model: LlamaModel,
  prompts: readonly Uint32Array[],
  labelWords: readonly Uint32Array[],
  options: ClassificationOptions = {},
): Promise<ClassificationScores> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      `batchSize must be a positive integer, got ${batchSize}.`,
    );
  }
  if (labelWords.length === 0) throw new LmError('LM_INVALID_ARGUMENT', 'labelWords is empty.');
  for (const [l, w] of labelWords.entries()) {
    if (w.length === 0) throw new LmError('LM_INVALID_ARGUMENT', `label word ${l} has no tokens.`);
  }
  for (const [p, w] of prompts.entries()) {
    if (w.length === 0) {
      throw new LmError(
        'LM_INVALID_ARGUMENT',
        `prompt ${p} has no tokens (it needs at least BOS).`,
      );
    }
  }
  const L = labelWords.length;
  const pairs = prompts.length * L;
  const scores = new Float64Array(pairs);
  const be = model.backend;
  for (let start = 0; start < pairs; start += batchSize) {
    const end = Math.min(pairs, start + batchSize);
    const { ids, mask, shape, rows, targets, owner } = labelWordRows(
      prompts,
      labelWords,
      start,
      end,
    );
    const nll = be.scope(() =>
      be.crossEntropy(
        model.forward(ids, shape, { logits: 'all', attentionMask: mask }),
        rows,
        targets,
      ),
    );
    const values = await be.download(nll);
    nll.dispose();
    for (let j = 0; j < values.length; j++) scores[owner[j]!]! -= values[j]!;
  }
  const predictions = new Uint32Array(prompts.length);
  for (let p = 0; p < prompts.length; p++) {
    let best = 0;
    for (let l = 1; l < L; l++) if (scores[p * L + l]! > scores[p * L + best]!) best = l;
    predictions[p] = best;
  }
  return { scores, predictions, labelCount: L };
}

/** Fraction of `predictions` equal to `gold` (same length, non-empty). */
export function verbalizerAccuracy(
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>,
): number {
  if (predictions.length !== gold.length || gold.length === 0) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      `verbalizerAccuracy needs equally long, non-empty arrays (got ${predictions.length} and ${gold.length}).`,
    );
  }
  let hits = 0;
  for (let i = 0; i < gold.length; i++) if (predictions[i] === gold[i]) hits++;
  return hits / gold.length;
}
