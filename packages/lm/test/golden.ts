import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LlamaModel } from '../src/model.js';
import { HAVE_STORIES, STORIES_DIR } from './model-dir.js';

/** One reference case of `golden.json` (computed by an independent PyTorch implementation). */
export interface GoldenCase {
  readonly text: string;
  readonly ids: number[];
  readonly last_logits: number[];
  readonly argmax_per_position: number[];
  readonly mean_nll: number;
  readonly logit_checksum: { sum: number; abs_sum: number };
}

/** `golden.json` of the shared stories260K model. */
export interface Golden {
  readonly cases: GoldenCase[];
  readonly greedy: { prompt: string; ids: number[] };
}

/** The parsed golden file, or null when the shared model is absent. */
export const GOLDEN: Golden | null = HAVE_STORIES
  ? (JSON.parse(readFileSync(join(STORIES_DIR, 'golden.json'), 'utf8')) as Golden)
  : null;

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
