import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/models/stories260K` relative to the repo root (never copied into the repo). */
export const STORIES_DIR = fileURLToPath(
  new URL('../../../../shared/models/stories260K', import.meta.url),
);
export const HAVE_STORIES = existsSync(STORIES_DIR);

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
