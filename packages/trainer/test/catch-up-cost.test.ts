import { describe, expect, it } from 'vitest';
import { MeerkatError } from '../src/errors.js';
import {
  type CatchUpCosts,
  chooseCatchUp,
  DEFAULT_CATCH_UP_COSTS,
} from '../src/protocol/catch-up-cost.js';
import {
  announceMessageFromV2,
  announceV2FromMessage,
  catchUpSourceOf,
} from '../src/protocol/downlink-v2-bridge.js';

/** Logs of `rounds` rounds of `scalars` scalars each: 4 B a scalar and a 16 B frame per round. */
function missed(rounds: number, scalarsPerRound: number) {
  return { rounds, scalars: rounds * scalarsPerRound, bytes: rounds * (16 + 4 * scalarsPerRound) };
}

describe('the catch-up rule (logs or a θ snapshot)', () => {
  it('k = 256: θ (1 kB) beats one missed round of 100 clients × 10 steps', () => {
    const c = chooseCatchUp(256, 10, missed(1, 1000));
    expect(c.kind).toBe('theta');
    expect(c.thetaSeconds).toBeCloseTo((9 + 1 + 2 + 1024) / 1.25e6, 12);
    expect(c.logsSeconds).toBeCloseTo(4016 / 1.25e6 + (1000 * 256) / 5e7, 12);
  });

  it('k = 10^5: a few missed scalars are replayed, a round of 1,000 is not', () => {
    expect(chooseCatchUp(1e5, 10, missed(1, 100)).kind).toBe('logs');
    expect(chooseCatchUp(1e5, 10, missed(1, 1000)).kind).toBe('theta');
  });

  it('switches exactly where the estimates cross (download + replay draws against 4k bytes)', () => {
    const k = 1e5;
    const costs: CatchUpCosts = DEFAULT_CATCH_UP_COSTS;
    const theta = (9 + 1 + 3 + 4 * k) / costs.bytesPerSecond;
    const perScalar = 4 / costs.bytesPerSecond + k / costs.drawsPerSecond;
    const crossing = theta / perScalar; // scalars, with no per-round bytes
    const at = (scalars: number) =>
      chooseCatchUp(k, 10, { rounds: 1, scalars, bytes: 4 * scalars }).kind;
    expect(at(Math.floor(crossing))).toBe('logs');
    expect(at(Math.ceil(crossing) + 1)).toBe('theta');
  });

  it('nothing to replay is never a snapshot, and the costs are checked', () => {
    expect(chooseCatchUp(10, 0, { rounds: 0, scalars: 0, bytes: 0 }).kind).toBe('logs');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        chooseCatchUp(10, 1, missed(1, 1), { bytesPerSecond: bad, drawsPerSecond: 1 }),
      ).toThrow(MeerkatError);
      expect(() =>
        chooseCatchUp(10, 1, missed(1, 1), { bytesPerSecond: 1, drawsPerSecond: bad }),
      ).toThrow(/drawsPerSecond must be a positive finite number/);
    }
  });
});

describe('the v2 downlink bridge', () => {
  const announce = {
    v: 1 as const,
    type: 'announce' as const,
    round: 7,
    clientId: 'c1',
    steps: 3,
    cursor: { epoch: 2, position: 40 },
    catchUp: { kind: 'logs' as const, round: 7, logs: [new Uint8Array(1), new Uint8Array(1)] },
  };

  it('points a v1 catch-up to where it is stored, and rebuilds the v1 announce around a fetched one', () => {
    const source = catchUpSourceOf(announce.catchUp);
    expect(source).toEqual({ kind: 'logs', from: 5 });
    expect(catchUpSourceOf({ kind: 'logs', round: 7, logs: [] })).toEqual({ kind: 'none' });
    expect(catchUpSourceOf({ kind: 'theta', round: 7, theta: new Float32Array(2) })).toEqual({
      kind: 'theta',
    });
    const v2 = announceV2FromMessage(announce, source);
    expect(announceMessageFromV2(v2, announce.catchUp)).toEqual(announce);
  });

  it('refuses a fetched catch-up that reaches another round', () => {
    const v2 = announceV2FromMessage(announce, { kind: 'theta' });
    expect(() =>
      announceMessageFromV2(v2, { kind: 'theta', round: 6, theta: new Float32Array(1) }),
    ).toThrow(/reaches round 6/);
  });
});
