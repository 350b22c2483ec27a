import { describe, expect, it } from 'vitest';
import { EarlyStoppingPolicy } from './early-stopping-policy.js';
import { GradipError } from './errors.js';

const clients = { extreme: 20, normal: 33 };

describe('EarlyStoppingPolicy', () => {
  it('runs calibration, waits for detection, then early-stops flagged clients', () => {
    const policy = new EarlyStoppingPolicy({
      clients,
      dataSeed: 4n,
      calibrationRounds: 2,
      calibrationSteps: 50,
      localSteps: 5,
    });
    for (let r = 0; r < 2; r++) {
      expect(policy.phase).toBe('calibration');
      expect(policy.localSteps('extreme')).toBe(50);
      expect(policy.localSteps('normal')).toBe(50);
      expect(() => policy.applyDetection({ extreme: true })).toThrow(/still calibrating/);
      policy.endRound();
    }
    expect(policy.phase).toBe('detection');
    expect(() => policy.localSteps('normal')).toThrow(GradipError);
    expect(() => policy.endRound()).toThrow(/applyDetection/);
    policy.applyDetection({ extreme: true, normal: false });
    expect(policy.phase).toBe('early-stopping');
    expect(policy.localSteps('extreme')).toBe(1);
    expect(policy.localSteps('normal')).toBe(5);
    expect(policy.flaggedClients()).toEqual(['extreme']);
    expect(() => policy.localSteps('nobody')).toThrow(/not part of this policy/);
    expect(() => policy.applyDetection({ nobody: true })).toThrow(GradipError);
  });

  it('still visits all of a flagged client’s data, one step per round', () => {
    const policy = new EarlyStoppingPolicy({ clients, dataSeed: 4n, calibrationSteps: 3 });
    const seen: number[] = [];
    for (let s = 0; s < policy.localSteps('extreme'); s++)
      seen.push(...policy.nextBatch('extreme', 4));
    policy.endRound();
    policy.applyDetection(new Map([['extreme', true]]));
    while (seen.length < 3 * 20) {
      for (let s = 0; s < policy.localSteps('extreme'); s++) {
        seen.push(...policy.nextBatch('extreme', 4));
      }
      policy.endRound();
    }
    for (let e = 0; e < 3; e++) {
      expect(seen.slice(20 * e, 20 * (e + 1)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
    }
  });

  it('round-trips through JSON, including cursors and flags', () => {
    const policy = new EarlyStoppingPolicy({
      clients,
      dataSeed: 2n ** 63n + 5n,
      calibrationSteps: 7,
    });
    policy.nextBatch('normal', 10);
    policy.endRound();
    policy.applyDetection({ extreme: true });
    policy.nextBatch('extreme', 3);
    const restored = EarlyStoppingPolicy.fromJSON(JSON.parse(JSON.stringify(policy)));
    expect(restored.toJSON()).toEqual(policy.toJSON());
    expect(restored.dataSeed).toBe(2n ** 63n + 5n);
    expect(restored.phase).toBe('early-stopping');
    expect(restored.isFlagged('extreme')).toBe(true);
    expect(restored.nextBatch('normal', 50)).toEqual(policy.nextBatch('normal', 50));
    expect(() => EarlyStoppingPolicy.fromJSON({ version: 2 } as never)).toThrow(GradipError);
  });
});
