import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_DIR } from '@meerkat/trainer/testing';
import { expect } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

/** Runs `meerkat <argv>` in-process in `cwd`, expecting success; returns what it printed. */
export async function cli(cwd: string, argv: string[]): Promise<{ out: string; err: string }> {
  const io = memoryIo(cwd);
  const code = await runCli(argv, io);
  if (code !== 0) throw new Error(`meerkat ${argv.join(' ')} exited ${code}:\n${io.err()}`);
  return { out: io.out(), err: io.err() };
}

/** `meerkat calibrate` of a small mask (1 batch of 2 × 16 tokens of Moby-Dick) into DIR/mask.bin. */
export async function calibrateTinyMask(dir: string): Promise<string> {
  const mask = join(dir, 'mask.bin');
  await cli(dir, [
    'calibrate',
    '--model',
    STORIES_DIR,
    '--batches',
    '1',
    '--batch-size',
    '2',
    '--seq-len',
    '16',
    '--out',
    mask,
    '--quiet',
  ]);
  return mask;
}

/**
 * A small real run config (stories260K, SpamAssassin, 4 clients of which client-000/001 are
 * single-label, 2 rounds, a given mask): a few seconds per run on 2 cores.
 */
export function tinyRunConfig(
  name: string,
  mask: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    model: STORIES_DIR,
    runDir: name,
    method: 'meerkat',
    seed: 0,
    clients: 4,
    rounds: 2,
    localSteps: 1,
    batchSize: 4,
    task: { testExamples: 40, trainExamples: 240, maxTokens: 32 },
    evaluation: { every: 1, testSize: 24, batchSize: 24 },
    mask: { file: mask },
    vp: {
      calibrationRounds: 1,
      calibrationSteps: 12,
      detector: { initialSteps: 3, laterSteps: 6 },
    },
    ...overrides,
  };
}

/** Writes DIR/<name>.json and trains it with `meerkat train --config`; returns the run dir. */
export async function trainTiny(
  dir: string,
  config: Record<string, unknown>,
): Promise<{ runDir: string; out: string; err: string }> {
  const file = join(dir, `${String(config.name)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const { out, err } = await cli(dir, ['train', '--config', file]);
  expect(out).toContain('run directory:');
  return { runDir: join(dir, String(config.runDir)), out, err };
}
