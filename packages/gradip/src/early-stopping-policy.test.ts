import { describe, expect, it } from 'vitest';
import { ClientDataCursor, epochPermutation } from './data-cursor.js';
import { EarlyStoppingPolicy, type EarlyStoppingPolicyJSON } from './early-stopping-policy.js';
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

/** The GradipError `fn` throws; any other outcome fails the test. */
function gradipErrorOf(fn: () => unknown, label?: string): GradipError {
  try {
    fn();
  } catch (error) {
    expect(error, label).toBeInstanceOf(GradipError);
    return error as GradipError;
  }
  throw new Error(`expected a GradipError, nothing was thrown${label ? ` (${label})` : ''}`);
}

function gradipCodeOf(fn: () => unknown): string {
  return gradipErrorOf(fn).code;
}

describe('EarlyStoppingPolicy re-detection', () => {
  it('a full verdict set replaces every flag; clients without a verdict become unflagged', () => {
    const policy = new EarlyStoppingPolicy({
      clients: { a: 5, b: 5, c: 5 },
      dataSeed: 1n,
      calibrationSteps: 1,
    });
    policy.endRound();
    policy.applyDetection({ a: true, c: true });
    expect(policy.flaggedClients()).toEqual(['a', 'c']);
    policy.endRound();
    // Re-detection that only names b: a and c lose their flags.
    policy.applyDetection({ b: true });
    expect(policy.flaggedClients()).toEqual(['b']);
    expect(policy.localSteps('a')).toBe(10);
    expect(policy.localSteps('b')).toBe(1);
    // Detector output (Detection[]) with a and an explicit false for b.
    policy.applyDetection([
      { clientId: 'a', flagged: true },
      { clientId: 'b', flagged: false },
    ] as never);
    expect(policy.flaggedClients()).toEqual(['a']);
    // setFlag changes one client and keeps the others.
    policy.setFlag('c', true);
    expect(policy.flaggedClients()).toEqual(['a', 'c']);
    // An empty verdict set unflags everyone.
    policy.applyDetection(new Map());
    expect(policy.flaggedClients()).toEqual([]);
  });

  it('a rejected verdict set changes nothing', () => {
    const policy = new EarlyStoppingPolicy({ clients: { a: 5, b: 5 }, dataSeed: 1n });
    policy.endRound();
    policy.applyDetection({ a: true });
    expect(gradipCodeOf(() => policy.applyDetection({ b: true, nobody: true }))).toBe(
      'GRADIP_UNKNOWN_CLIENT',
    );
    expect(
      gradipCodeOf(() =>
        policy.applyDetection([
          { clientId: 'b', flagged: true },
          { clientId: 'b', flagged: false },
        ] as never),
      ),
    ).toBe('GRADIP_INVALID_ARGUMENT');
    expect(gradipCodeOf(() => policy.applyDetection({ b: 'yes' } as never))).toBe(
      'GRADIP_INVALID_ARGUMENT',
    );
    expect(gradipCodeOf(() => policy.setFlag('b', 1 as never))).toBe('GRADIP_INVALID_ARGUMENT');
    expect(policy.flaggedClients()).toEqual(['a']);
  });
});

describe('EarlyStoppingPolicy seed and checkpoint validation', () => {
  const valid = () => {
    const policy = new EarlyStoppingPolicy({
      clients: { a: 4, b: 6 },
      dataSeed: 3n,
      calibrationSteps: 2,
    });
    policy.nextBatch('a', 5);
    policy.endRound();
    policy.applyDetection({ b: true });
    return JSON.parse(JSON.stringify(policy)) as EarlyStoppingPolicyJSON;
  };

  it('rejects a dataSeed outside [0, 2^64) with GRADIP_INVALID_ARGUMENT in the constructor', () => {
    for (const dataSeed of [-1n, 2n ** 64n, 5, '5', undefined]) {
      expect(
        gradipCodeOf(() => new EarlyStoppingPolicy({ clients: { a: 3 }, dataSeed } as never)),
      ).toBe('GRADIP_INVALID_ARGUMENT');
    }
    expect(gradipCodeOf(() => new ClientDataCursor('a', 3, -1n))).toBe('GRADIP_INVALID_ARGUMENT');
    expect(gradipCodeOf(() => epochPermutation(2n ** 64n, 'a', 0, 3))).toBe(
      'GRADIP_INVALID_ARGUMENT',
    );
    expect(new EarlyStoppingPolicy({ clients: { a: 3 }, dataSeed: 2n ** 64n - 1n }).dataSeed).toBe(
      2n ** 64n - 1n,
    );
  });

  it('rejects a dataSeed outside [0, 2^64) with GRADIP_INVALID_ARGUMENT in fromJSON', () => {
    for (const dataSeed of ['18446744073709551616', '99999999999999999999999', '-1', '1e3', 7]) {
      const error = gradipErrorOf(() =>
        EarlyStoppingPolicy.fromJSON({ ...valid(), dataSeed } as never),
      );
      expect(error.code).toBe('GRADIP_INVALID_ARGUMENT');
      expect(error.message).toMatch(/dataSeed/);
    }
    expect(
      EarlyStoppingPolicy.fromJSON({ ...valid(), dataSeed: '18446744073709551615' }).dataSeed,
    ).toBe(2n ** 64n - 1n);
  });

  it('rejects malformed checkpoints with GRADIP_INVALID_ARGUMENT naming the field', () => {
    const base = valid();
    expect(EarlyStoppingPolicy.fromJSON(base).toJSON()).toEqual(base);
    const [a, b] = base.clients;
    const cases: [string, unknown][] = [
      ['clients[2].id', { ...base, clients: [a, b, { ...a, size: 9, flagged: true }] }],
      ['clients[1].flagged', { ...base, clients: [a, { ...b, flagged: 'yes' }] }],
      ['clients[0].flagged', { ...base, clients: [{ ...a, flagged: undefined }, b] }],
      ['detected', { ...base, detected: 'yes' }],
      ['detected', { ...base, detected: 1 }],
      ['clients', { ...base, clients: { a } }],
      ['clients', { ...base, clients: undefined }],
      ['clients[0]', { ...base, clients: [null, b] }],
      ['clients[0].id', { ...base, clients: [{ ...a, id: '' }, b] }],
      ['clients[0].size', { ...base, clients: [{ ...a, size: 0 }, b] }],
      ['clients[0].epoch', { ...base, clients: [{ ...a, epoch: -1 }, b] }],
      ['clients[0].epoch', { ...base, clients: [{ ...a, epoch: 1.5 }, b] }],
      ['clients[0].position', { ...base, clients: [{ ...a, position: -2 }, b] }],
      ['clients[0].position', { ...base, clients: [{ ...a, position: 0.5 }, b] }],
      ['clients[0].position', { ...base, clients: [{ ...a, position: 4 }, b] }],
      ['clients[0].position', { ...base, clients: [{ ...a, position: '1' }, b] }],
      ['round', { ...base, round: -1 }],
      ['round', { ...base, round: 1.5 }],
      // A detection during calibration: a phase no policy can reach.
      ['detected', { ...base, round: 0 }],
      ['calibrationSteps', { ...base, calibrationSteps: 0 }],
      ['localSteps', { ...base, localSteps: '10' }],
    ];
    for (const [field, json] of cases) {
      const error = gradipErrorOf(() => EarlyStoppingPolicy.fromJSON(json as never), field);
      expect(error.code, field).toBe('GRADIP_INVALID_ARGUMENT');
      expect(error.message, field).toContain(field);
    }
  });
});
