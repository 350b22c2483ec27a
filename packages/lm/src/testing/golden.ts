// The golden files of the shared models (`golden.json`, computed by an independent PyTorch
// implementation) and the comparisons every golden test makes against them, on any backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causalLmLoss } from '../causal-lm-loss.js';
import { greedyGenerate } from '../greedy-generate.js';
import type { LlamaModel } from '../model.js';
import { HAVE_STORIES, STORIES_DIR } from './model-dir.js';

/** One reference case of `golden.json`. */
export interface GoldenCase {
  readonly text: string;
  readonly ids: number[];
  readonly last_logits: number[];
  readonly argmax_per_position: number[];
  readonly mean_nll: number;
  readonly logit_checksum: { sum: number; abs_sum: number };
}

/** `golden.json` of a shared model. */
export interface Golden {
  readonly cases: GoldenCase[];
  readonly greedy: { prompt: string; ids: number[] };
}

/** The parsed `golden.json` in a model directory. */
export function readGolden(dir: string): Golden {
  return JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as Golden;
}

/** The golden file of the shared stories260K model, or null when the model is absent. */
export const GOLDEN: Golden | null = HAVE_STORIES ? readGolden(STORIES_DIR) : null;

/** Index of the largest value in each row of `rowLength` values. */
export function argmaxPerRow(values: Float32Array, rowLength: number): number[] {
  const out: number[] = [];
  for (let p = 0; p * rowLength < values.length; p++) {
    const row = p * rowLength;
    let best = 0;
    for (let i = 1; i < rowLength; i++) if (values[row + i]! > values[row + best]!) best = i;
    out.push(best);
  }
  return out;
}

/** What one golden case gives through a model: the numbers the golden tests compare. */
export interface GoldenForward {
  /** Logits at every position, [ids.length, vocab] row-major. */
  readonly all: Float32Array;
  /** max |logit − golden| at the last position. */
  readonly lastLogitError: number;
  readonly argmax: number[];
}

/** Runs one golden case through `model` (batch 1, logits at every position) on its backend. */
export async function goldenForward(model: LlamaModel, c: GoldenCase): Promise<GoldenForward> {
  const vocab = model.config.vocabSize;
  const ids = Uint32Array.from(c.ids);
  const t = model.forward(ids, [1, ids.length], { logits: 'all' });
  const all = await model.backend.download(t);
  t.dispose();
  const last = all.subarray((ids.length - 1) * vocab);
  let lastLogitError = 0;
  for (let i = 0; i < vocab; i++) {
    lastLogitError = Math.max(lastLogitError, Math.abs(last[i]! - c.last_logits[i]!));
  }
  return { all, lastLogitError, argmax: argmaxPerRow(all, vocab) };
}

/** How a model agrees with every case of a golden file (what {@link goldenAgreement} returns). */
export interface GoldenAgreement {
  /** The largest |last-position logit − golden| over all cases. */
  readonly worstLogitError: number;
  /** The largest |mean NLL − golden| over all cases. */
  readonly worstNllError: number;
  /** The largest |mean NLL − golden| / max(1, golden NLL): relative for large NLLs. */
  readonly worstRelativeNllError: number;
  /** The argmax at every position of each case, and golden's (compare them whole). */
  readonly argmax: readonly number[][];
  readonly goldenArgmax: readonly number[][];
  /** The three worst errors in one line, for a test's log. */
  readonly summary: string;
}

/**
 * Runs every golden case through `model`: logits at every position (`goldenForward`) and the
 * causal-LM loss, compared with the golden logits, argmax and mean NLL. Returns the numbers; the
 * caller's test asserts on them with its own bounds.
 */
export async function goldenAgreement(model: LlamaModel, golden: Golden): Promise<GoldenAgreement> {
  let worstLogitError = 0;
  let worstNllError = 0;
  let worstRelativeNllError = 0;
  const argmax: number[][] = [];
  for (const c of golden.cases) {
    const forward = await goldenForward(model, c);
    worstLogitError = Math.max(worstLogitError, forward.lastLogitError);
    argmax.push(forward.argmax);
    const ids = Uint32Array.from(c.ids);
    const nllError = Math.abs((await causalLmLoss(model, ids, [1, ids.length])).mean - c.mean_nll);
    worstNllError = Math.max(worstNllError, nllError);
    worstRelativeNllError = Math.max(worstRelativeNllError, nllError / Math.max(1, c.mean_nll));
  }
  const summary = [
    `max |logit − golden| ${worstLogitError.toExponential(2)}`,
    `max |mean NLL − golden| ${worstNllError.toExponential(2)}`,
    `max |mean NLL − golden| / max(1, NLL) ${worstRelativeNllError.toExponential(2)}`,
  ].join(', ');
  return {
    worstLogitError,
    worstNllError,
    worstRelativeNllError,
    argmax,
    goldenArgmax: golden.cases.map((c) => c.argmax_per_position),
    summary,
  };
}

/** The golden greedy continuation and what `model` generates from the same prompt. */
export interface GoldenGreedy {
  /** golden.greedy.ids: the prompt (the first case's ids, BOS included) and its continuation. */
  readonly expected: number[];
  /** The prompt and `model`'s greedy continuation of the same length. */
  readonly generated: number[];
}

/** Greedily continues the golden prompt with `model`, as long as the golden continuation. */
export async function goldenGreedy(model: LlamaModel, golden: Golden): Promise<GoldenGreedy> {
  const expected = golden.greedy.ids;
  const prompt = Uint32Array.from(golden.cases[0]!.ids);
  const out = await greedyGenerate(model, prompt, expected.length - prompt.length);
  return { expected, generated: [...out] };
}
