import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DivergenceGuard } from '../src/coordinator/divergence-guard.js';
import { MeerkatError } from '../src/errors.js';
import type { TrainerEvent } from '../src/events.js';
import { Meerkat } from '../src/meerkat.js';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '../src/testing/stories.js';

const context = { method: 'meerkat', lr: 0.01, k: 260, factor: 4 };
const round = (
  n: number,
  means: number[],
  extra: Partial<{ skipped: number; e: number }> = {},
) => ({
  round: n,
  updates: means.map((m) => ({ mean: m, first: 1 })),
  skippedSteps: extra.skipped ?? 0,
  steps: 10 * means.length,
  evaluationLoss: extra.e ?? null,
});

function divergence(run: () => void): MeerkatError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MeerkatError);
    expect((e as MeerkatError).code).toBe('MEERKAT_DIVERGED');
    return e as MeerkatError;
  }
  throw new Error('expected MEERKAT_DIVERGED');
}

describe('DivergenceGuard', () => {
  it('lets a run whose loss stays within the factor of its starting loss go on', () => {
    const guard = new DivergenceGuard(context);
    guard.startingEvaluation(1.0);
    guard.check(round(1, [0.9, 1.2, 3.9]));
    guard.check(round(2, [0.5, 0.6], { e: 3.99, skipped: 10 }));
    expect(guard.references()).toEqual({ train: 1, evaluation: 1 });
  });

  it('stops on an exploding training loss, naming the round, the ratio and the lr to try', () => {
    const guard = new DivergenceGuard(context);
    guard.check(round(1, [1.1, 0.9]));
    const e = divergence(() => guard.check(round(2, [138.6, 157.5])));
    expect(e.message).toContain('round 2');
    expect(e.message).toContain('148.1× the starting loss 1.000');
    expect(e.message).toContain('lr 0.01');
    expect(e.message).toContain('try lr 0.0010');
  });

  it('stops on a non-finite loss, an exploding held-out loss, or mostly skipped steps', () => {
    const nonFinite = new DivergenceGuard(context);
    expect(divergence(() => nonFinite.check(round(1, [Number.NaN]))).message).toContain('NaN');
    const held = new DivergenceGuard(context);
    held.startingEvaluation(0.6);
    expect(divergence(() => held.check(round(1, [1], { e: 2.5 }))).message).toContain(
      'held-out loss 2.500 is 4.2×',
    );
    const skipped = new DivergenceGuard(context);
    expect(divergence(() => skipped.check(round(1, [1], { skipped: 6 }))).message).toContain(
      '6 of 10 local steps had a non-finite loss',
    );
  });

  it('takes its reference from the first round with first-step losses; later updates carry the mean only', () => {
    // Protocol v2: a client sends its first step's loss in round 1, the mean only after that.
    const meanOnly = (n: number, means: number[]) => ({
      ...round(n, means),
      updates: means.map((m) => ({ mean: m })),
    });
    const guard = new DivergenceGuard(context);
    guard.check(meanOnly(1, [0.3])); // no first-step loss: no reference yet, nothing judged
    expect(guard.references().train).toBeNull();
    guard.check(round(2, [0.4, 0.2])); // first-step losses 1
    guard.check(meanOnly(3, [3.9, 0.1]));
    expect(guard.references().train).toBe(1);
    const e = divergence(() => guard.check(meanOnly(4, [9, 0.1])));
    expect(e.message).toContain('round 4: the mean training loss 4.550 is 4.5× the starting loss');
  });

  it('restores its references on resume, so a resumed run judges against the same start', () => {
    const guard = new DivergenceGuard(context);
    guard.restore({ train: 0.5, evaluation: null });
    expect(() => guard.check(round(3, [2.1]))).toThrow(/4\.2× the starting loss 0\.5000/);
  });
});

describe.skipIf(!HAVE_STORIES)(`a diverging run on stories260K${STORIES_SKIP_NOTE}`, () => {
  it('stops with MEERKAT_DIVERGED naming the lr, keeping the rounds before it', async () => {
    const runDir = tempRunDir();
    const trainer = new Meerkat(
      tinyConfig(runDir, {
        method: 'full-zo',
        lr: 3,
        rounds: 4,
        evaluation: { every: 1, testSize: 16 },
      }),
    );
    const events: TrainerEvent[] = [];
    const error = await (async () => {
      try {
        for await (const e of trainer.run()) events.push(e);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(MeerkatError);
    expect((error as MeerkatError).code).toBe('MEERKAT_DIVERGED');
    expect((error as MeerkatError).message).toMatch(/lr 3\b.*try lr 0\.30/);
    const rounds = events.filter((e) => e.type === 'round-end').length;
    expect(rounds).toBeGreaterThanOrEqual(1);
    // Every round up to the diverged one is in metrics.jsonl; the checkpoint is the round before.
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(rounds);
    expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(rounds > 1);
  }, 120_000);

  it('trains on when divergence.check is false (the caller takes the risk)', async () => {
    const trainer = new Meerkat(
      tinyConfig(tempRunDir(), {
        method: 'full-zo',
        lr: 3,
        rounds: 2,
        divergence: { check: false },
      }),
    );
    let rounds = 0;
    for await (const e of trainer.run()) if (e.type === 'round-end') rounds++;
    expect(rounds).toBe(2);
  }, 120_000);
});
