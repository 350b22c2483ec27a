import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { buildReplayLog } from './build-replay-log.js';
import { catchUp, planCatchUp } from './catch-up.js';
import { applyReplayLog, type ReplayLog } from './replay-log.js';

describe('planCatchUp', () => {
  it('plans replay of rounds clientRound..serverRound−1, or a checkpoint', () => {
    expect(planCatchUp(5, 5, [], 3)).toEqual({ kind: 'replay', rounds: [] });
    expect(planCatchUp(2, 5, [1, 2, 3, 4], 3)).toEqual({ kind: 'replay', rounds: [2, 3, 4] });
    expect(planCatchUp(1, 5, [1, 2, 3, 4], 3)).toEqual({
      kind: 'checkpoint',
      reason: 'gap-too-large',
    });
    expect(planCatchUp(2, 5, [3, 4], 10)).toEqual({
      kind: 'checkpoint',
      reason: 'logs-not-retained',
    });
    expect(() => planCatchUp(6, 5, [], 3)).toThrow(/ahead of the server/);
    expect(() => planCatchUp(-1, 5, [], 3)).toThrow(/non-negative integer/);
  });
});

describe('catchUp', () => {
  const logs = [0, 1, 2].map((round) =>
    buildReplayLog([{ round, clientId: 'c', g: [round + 1, -0.5], numSamples: 1 }], {
      runSeed: 9n,
      round,
      lr: 0.1,
    }),
  );

  it('applies consecutive logs in order and equals applying them one by one', () => {
    const a = new Float32Array(33).fill(0.25);
    const b = a.slice();
    expect(catchUp(a, 0, logs)).toBe(3);
    for (const log of logs) applyReplayLog(b, log);
    expect(a).toEqual(b);
  });

  it('refuses a gap or a wrong order without touching θ', () => {
    const theta = new Float32Array(8).fill(1);
    expect(() => catchUp(theta, 0, [logs[0]!, logs[2]!])).toThrow(
      expect.objectContaining({ code: 'FED_CATCH_UP_GAP' }),
    );
    expect(() => catchUp(theta, 1, logs)).toThrow(
      expect.objectContaining({ code: 'FED_CATCH_UP_GAP' }),
    );
    expect(theta).toEqual(new Float32Array(8).fill(1));
  });

  it('validates every log before touching θ: [valid, invalid] leaves θ bit-identical', () => {
    const theta0 = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
    const bits = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    const invalid: ReplayLog[] = [
      { ...logs[1]!, p: new Float64Array([2, 2]) }, // weight out of (0, 1]
      { ...logs[1]!, g: new Float64Array([Number.NaN, 1]) }, // non-finite g
      { ...logs[1]!, g: new Float64Array([1]) }, // g length ≠ entries × directions
      { ...logs[1]!, lr: -1 },
    ];
    for (const bad of invalid) {
      const theta = theta0.slice();
      expect(errorCodeOf(() => catchUp(theta, 0, [logs[0]!, bad, logs[2]!]))).toBe(
        'FED_INVALID_ARGUMENT',
      );
      expect(bits(theta).equals(bits(theta0))).toBe(true);
    }
    // A gap after a valid log also leaves θ untouched (checked before any log is applied).
    const theta = theta0.slice();
    expect(errorCodeOf(() => catchUp(theta, 0, [logs[0]!, logs[0]!]))).toBe('FED_CATCH_UP_GAP');
    expect(bits(theta).equals(bits(theta0))).toBe(true);
  });
});
