import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTrainerCheckpoint } from '../src/coordinator/trainer-checkpoint.js';
import { Meerkat } from '../src/meerkat.js';
import { decodeThetaFile } from '../src/run-dir.js';
import type { RoundMetrics } from '../src/run-files.js';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '../src/testing/stories.js';
import { bundleChild, exitOf, spawnChild } from './child-process.js';

const ROUNDS = 4;
const KILL_AFTER = 2;

function metricsLines(runDir: string): RoundMetrics[] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as RoundMetrics);
}

/** Everything of a metrics line that does not depend on the wall clock. */
function deterministic(m: RoundMetrics): Omit<RoundMetrics, 'seconds'> {
  const { seconds: _, ...rest } = m;
  return rest;
}

describe.skipIf(!HAVE_STORIES)(`checkpoint and resume${STORIES_SKIP_NOTE}`, () => {
  it(`a run killed with -9 after round ${KILL_AFTER} and resumed ends with the bit-identical θ of an uninterrupted run`, async () => {
    const script = await bundleChild();
    // Uninterrupted reference, in this process; its mask is reused so both runs train the same k.
    const refDir = tempRunDir();
    const base = {
      backend: 'ort:cpu', // as the child processes use
      rounds: ROUNDS,
      mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 32 } },
    };
    for await (const _ of new Meerkat(tinyConfig(refDir, base)).run()) {
      // run to the end
    }
    const config = tinyConfig(tempRunDir(), {
      ...base,
      mask: { file: join(refDir, 'mask.bin'), energyExamples: 0 },
    });
    const configPath = `${config.runDir as string}.json`;
    writeFileSync(configPath, JSON.stringify(config));

    const first = spawnChild(script, ['fresh', configPath]);
    const firstExit = exitOf(first);
    const deadline = Date.now() + 120_000;
    while (metricsLines(config.runDir as string).length < KILL_AFTER) {
      if (Date.now() > deadline || first.exitCode !== null)
        throw new Error(`child did not reach round ${KILL_AFTER}: ${(await firstExit).stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    expect((await firstExit).signal).toBe('SIGKILL');
    expect(existsSync(join(config.runDir as string, 'summary.json'))).toBe(false);
    const killedAt = metricsLines(config.runDir as string).length;
    expect(killedAt).toBeLessThan(ROUNDS);

    const second = spawnChild(script, ['resume', config.runDir as string]);
    const secondExit = await exitOf(second);
    expect(secondExit.stderr).toBe('');
    expect(secondExit.code).toBe(0);

    const ref = readFileSync(join(refDir, 'theta.bin'));
    const resumed = readFileSync(join(config.runDir as string, 'theta.bin'));
    expect(Buffer.compare(ref, resumed)).toBe(0);
    expect(decodeThetaFile(new Uint8Array(resumed)).theta.length).toBe(260);
    // metrics.jsonl: one line per round, no duplicate of the replayed round, same numbers.
    const refLines = metricsLines(refDir);
    const resLines = metricsLines(config.runDir as string);
    expect(resLines.map((m) => m.round)).toEqual([1, 2, 3, 4]);
    for (const [i, m] of resLines.entries())
      expect(deterministic(m)).toEqual(deterministic(refLines[i]!));
    const { state } = decodeTrainerCheckpoint(
      new Uint8Array(readFileSync(join(config.runDir as string, 'checkpoint.bin'))),
    );
    expect(state.round).toBe(ROUNDS);
  }, 180_000);
});
