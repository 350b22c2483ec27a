import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
