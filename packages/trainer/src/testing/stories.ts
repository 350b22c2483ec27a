import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedModel } from '@meerkat/lm/testing';

/** The shared stories260K model, found through the one helper (lm/test/shared-models.ts). */
const stories = sharedModel('stories260K');

/** `../shared/models/stories260K` relative to the repo root (never copied into the repo). */
export const STORIES_DIR = stories.dir;
/** Whether it is there; tests that need it skip when it is not (and fail under CI=true). */
export const HAVE_STORIES = stories.present;
/** Explains a skip in the test name. */
export const STORIES_SKIP_NOTE = stories.skipNote;

/** A fresh temporary run directory. */
export function tempRunDir(prefix = 'meerkat-run-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'run');
}

/** A small but real job: stories260K, SpamAssassin, a calibrated mask, a few clients and rounds. */
export function tinyConfig(
  runDir: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: STORIES_DIR,
    runDir,
    method: 'meerkat',
    seed: 7,
    clients: 3,
    rounds: 2,
    localSteps: 2,
    batchSize: 4,
    task: { testExamples: 40, trainExamples: 240, maxTokens: 32 },
    partition: { kind: 'extreme', extreme: [{ label: 'spam', size: 60 }], normal: 'iid' },
    mask: { density: 1e-3, calibration: { batches: 2, batchSize: 2, seqLen: 32 } },
    evaluation: { every: 2, testSize: 16 },
    ...overrides,
  };
}

/**
 * Overrides of `tinyConfig` for a small Meerkat-vp job: 3 clients (one all-spam), an 8-step
 * calibration path with windows that fit it, and 'or' thresholds so the quiet rule can fire.
 */
export const TINY_VP_OVERRIDES: Readonly<Record<string, unknown>> = {
  method: 'meerkat-vp',
  rounds: 2,
  clients: 3,
  localSteps: 2,
  partition: { kind: 'extreme', extreme: [{ label: 'spam', size: 60 }], normal: 'iid' },
  mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 16 } },
  evaluation: { every: 2, testSize: 8, initial: false },
  vp: {
    calibrationSteps: 8,
    detector: { initialSteps: 2, laterSteps: 4, combine: 'or', tauLater: 1, tauQuiet: 0 },
  },
};
