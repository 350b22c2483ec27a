import { deriveSeed, type StepRecord } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { GradipError } from './errors.js';
import { gradipSeries } from './gradip-series.js';
import { GradipTracker } from './gradip-tracker.js';

const gPre = Float32Array.from({ length: 257 }, (_, i) => Math.cos(i));

function roundSteps(client: string, round: number, count: number): StepRecord[] {
  return Array.from({ length: count }, (_, t) => ({
    seed: deriveSeed(3n, round, client, t),
    g: (t % 3) - 1 + 0.25 * round,
    gs: [(t % 3) - 1, (t % 3) - 1 + 0.5 * round],
  }));
}

describe('GradipTracker', () => {
  it('accumulates per-client series across rounds, equal to the batch computation', () => {
    const tracker = new GradipTracker(gPre, { directions: 2 });
    const all: Record<string, StepRecord[]> = { a: [], b: [] };
    for (let round = 0; round < 6; round++) {
      for (const client of ['a', 'b']) {
        const steps = roundSteps(client, round, client === 'a' ? 7 : 1 + round);
        all[client]!.push(...steps);
        const fresh = tracker.append(client, steps);
        expect(fresh.length).toBe(steps.length);
      }
    }
    expect(tracker.clients()).toEqual(['a', 'b']);
    for (const client of ['a', 'b']) {
      const expected = gradipSeries(all[client]!, gPre, { directions: 2 });
      expect(tracker.length(client)).toBe(expected.length);
      expect(tracker.series(client)).toEqual(expected);
    }
    expect(tracker.allSeries().get('b')!.length).toBe(1 + 2 + 3 + 4 + 5 + 6);
  });

  it('leaves a series unchanged when a batch has a bad step, and reports unknown clients', () => {
    const tracker = new GradipTracker(gPre, { directions: 2 });
    tracker.append('a', roundSteps('a', 0, 3));
    expect(() =>
      tracker.append('a', [
        { seed: 1n, g: 2 },
        { seed: 2n, g: Number.NaN },
      ]),
    ).toThrow(GradipError);
    expect(tracker.length('a')).toBe(3);
    expect(() => tracker.series('zzz')).toThrow(/append its step records/);
    tracker.reset('a');
    expect(tracker.has('a')).toBe(false);
  });
});
