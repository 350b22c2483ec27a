import { describe, expect, it } from 'vitest';
import { bits, expectSameBits } from '../test/bits.js';
import {
  applyStep,
  applyStepFromSaved,
  applyStepFromSavedAsync,
  type DirectionPool,
  type DirectionRangeFill,
  FUSED_CHUNK_ENTRIES,
  fillDirection,
  fillDirectionRange,
  type Objective,
  replay,
  type StepRecord,
  type UpdateOptions,
  ZoError,
  ZoOptimizer,
  type ZoOptimizerOptions,
} from './index.js';

/** Deterministic θ with a spread of magnitudes and signs (a few exact zeros and −0). */
function makeTheta(k: number, salt: number): Float32Array {
  return Float32Array.from({ length: k }, (_, i) =>
    i % 97 === 5 ? (i % 2 ? 0 : -0) : Math.sin(i * 1.37 + salt) * 10 ** ((i % 7) - 3),
  );
}

/**
 * The step exactly as `ZoOptimizer` made it before fusing (the independent reference): save θ,
 * per direction fill z, +εz, evaluate, −2εz, evaluate, restore; then clip and `applyStep`,
 * which regenerates every direction.
 */
async function referenceStep(
  theta: Float32Array,
  objective: Objective,
  seed: bigint,
  options: ZoOptimizerOptions,
): Promise<StepRecord> {
  const { eps = 1e-3, directions = 1, distribution = 'gaussian', scheme = 'two-point' } = options;
  const clipAt = options.clip ?? Number.POSITIVE_INFINITY;
  const saved = Float32Array.from(theta);
  const z = new Float32Array(theta.length);
  const gs: number[] = [];
  const base = scheme === 'one-sided' ? await objective(theta) : 0;
  for (let stream = 0; stream < directions; stream++) {
    fillDirection(seed, z, { stream, distribution });
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + eps * z[i]!;
    const plus = await objective(theta);
    let minus = base;
    if (scheme === 'two-point') {
      for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! - 2 * eps * z[i]!;
      minus = await objective(theta);
    }
    theta.set(saved);
    const g = scheme === 'two-point' ? (plus - minus) / (2 * eps) : (plus - minus) / eps;
    gs.push(Math.max(-clipAt, Math.min(clipAt, g)));
  }
  const record: StepRecord =
    gs.length === 1
      ? { seed, g: gs[0]! }
      : { seed, g: gs.reduce((s, v) => s + v, 0) / gs.length, gs };
  applyStep(theta, record, {
    lr: options.lr,
    weightDecay: options.weightDecay ?? 0,
    directions,
    distribution,
  });
  return record;
}

/** A quadratic with a non-trivial minimum, in float64. */
function quadratic(k: number): (theta: Float32Array) => number {
  return (theta) => {
    let s = 0;
    for (let i = 0; i < k; i++) s += (1 + (i % 3)) * (theta[i]! - Math.cos(i)) ** 2;
    return s / 2;
  };
}

const SIZES = [0, 1, 3, 4, 5, 17, 1001, FUSED_CHUNK_ENTRIES + 3, 2 * FUSED_CHUNK_ENTRIES + 6];

describe('applyStepFromSaved (restore fused with the update)', () => {
  const cases: { name: string; options: UpdateOptions }[] = [
    { name: 'n = 1', options: { lr: 0.01 } },
    { name: 'n = 1, weight decay', options: { lr: 0.01, weightDecay: 0.5 } },
    {
      name: 'n = 2 Rademacher, weight decay',
      options: { lr: 0.003, weightDecay: 0.1, directions: 2, distribution: 'rademacher' },
    },
    { name: 'n = 3', options: { lr: 0.02, directions: 3 } },
  ];
  it.each(cases)(
    'equals theta.set(saved) + applyStep bit for bit for many seeds and sizes ($name)',
    ({ options }) => {
      const n = options.directions ?? 1;
      for (const k of SIZES) {
        for (let s = 0; s < (k > 10_000 ? 3 : 12); s++) {
          const seed = (BigInt(s) * 0x9e3779b97f4a7c15n + BigInt(k)) & 0xffffffffffffffffn;
          const gs = Array.from({ length: n }, (_, d) => Math.tan(s * 0.7 + d) * 3);
          const record: StepRecord =
            n === 1 ? { seed, g: gs[0]! } : { seed, g: gs.reduce((a, b) => a + b, 0) / n, gs };
          const saved = makeTheta(k, s);
          const expected = Float32Array.from(saved);
          applyStep(expected, record, options);
          const last = fillDirection(seed, new Float32Array(k), {
            stream: n - 1,
            distribution: options.distribution ?? 'gaussian',
          });
          // θ holds perturbed garbage: the fused update must ignore it.
          const theta = Float32Array.from({ length: k }, () => Number.NaN);
          applyStepFromSaved(theta, saved, last, record, options);
          expectSameBits(theta, expected);
        }
      }
    },
  );

  it('the asynchronous form gives the same bits for any chunk size (n > 1)', async () => {
    const options: UpdateOptions = { lr: 0.01, weightDecay: 0.2, directions: 3 };
    const fill: DirectionRangeFill = async (seed, out, from, o) =>
      fillDirectionRange(seed, out, from, o);
    for (const k of [5, 1001, 40_003]) {
      for (const chunk of [1, 7, 4096, 100_000]) {
        const seed = BigInt(k * 31 + chunk);
        const record: StepRecord = { seed, g: 0.5, gs: [1, -0.25, 0.75] };
        const saved = makeTheta(k, chunk);
        const expected = Float32Array.from(saved);
        applyStep(expected, record, options);
        const last = fillDirection(seed, new Float32Array(k), { stream: 2 });
        const theta = new Float32Array(k);
        await applyStepFromSavedAsync(
          theta,
          saved,
          last,
          record,
          options,
          fill,
          new Float32Array(chunk),
        );
        expectSameBits(theta, expected);
      }
    }
  });

  it('validates before writing θ: a bad record or buffer leaves θ as it was', () => {
    const theta = new Float32Array(8).fill(3);
    const saved = new Float32Array(8);
    const z = new Float32Array(8);
    const bad = (f: () => unknown) => {
      expect(f).toThrow(ZoError);
      expect(Array.from(theta)).toEqual(new Array(8).fill(3));
    };
    bad(() => applyStepFromSaved(theta, saved, z, { seed: 1n, g: Number.NaN }, { lr: 0.1 }));
    bad(() => applyStepFromSaved(theta, saved, z, { seed: 1n, g: 1 }, { lr: 0.1, directions: 2 }));
    bad(() => applyStepFromSaved(theta, new Float32Array(7), z, { seed: 1n, g: 1 }, { lr: 0.1 }));
    bad(() =>
      applyStepFromSaved(theta, saved, new Float32Array(9), { seed: 1n, g: 1 }, { lr: 0.1 }),
    );
    bad(() => applyStepFromSaved(theta, theta, z, { seed: 1n, g: 1 }, { lr: 0.1 }));
  });
});

describe('ZoOptimizer with the fused step', () => {
  const configurations: { name: string; options: ZoOptimizerOptions }[] = [
    { name: 'defaults', options: { lr: 0.01 } },
    { name: 'weight decay and clip', options: { lr: 0.01, weightDecay: 0.3, clip: 0.5 } },
    { name: 'one-sided', options: { lr: 0.005, scheme: 'one-sided' } },
    {
      name: '2 Rademacher directions, weight decay, clip',
      options: { lr: 0.005, directions: 2, distribution: 'rademacher', weightDecay: 0.1, clip: 2 },
    },
    { name: '3 Gaussian directions', options: { lr: 0.002, directions: 3, eps: 1e-2 } },
  ];

  it.each(configurations)(
    'θ and records equal the unfused reference step and replay bit for bit ($name)',
    async ({ options }) => {
      for (const k of [1, 3, 5, 6, 64, 1003, FUSED_CHUNK_ENTRIES + 5]) {
        const loss = quadratic(k);
        const theta0 = makeTheta(k, k);
        const live = Float32Array.from(theta0);
        const reference = Float32Array.from(theta0);
        const optimizer = new ZoOptimizer(live, options);
        const records: StepRecord[] = [];
        const steps = k > 10_000 ? 4 : 25;
        for (let t = 0; t < steps; t++) {
          const seed = BigInt(k) * 1_000_003n + BigInt(t) * 7n + 11n;
          const { record } = await optimizer.step(loss, seed);
          const expected = await referenceStep(reference, loss, seed, options);
          expect(record).toEqual(expected);
          records.push(record!);
          expectSameBits(live, reference);
        }
        const replayed = replay(Float32Array.from(theta0), records, optimizer.updateOptions);
        expectSameBits(replayed, live);
        expect(bits(live)).not.toEqual(bits(theta0));
      }
    },
  );

  it('restores θ bit for bit when the objective throws at any evaluation (n = 1 and n = 2)', async () => {
    for (const directions of [1, 2]) {
      for (let failAt = 1; failAt <= 2 * directions; failAt++) {
        const theta = makeTheta(37, failAt);
        const before = theta.slice();
        const optimizer = new ZoOptimizer(theta, { lr: 0.1, directions, weightDecay: 0.1 });
        let calls = 0;
        const objective = (t: Float32Array) => {
          if (++calls === failAt) throw new Error('model crashed');
          return t[0]!;
        };
        await expect(optimizer.step(objective, 5n)).rejects.toThrow('model crashed');
        expectSameBits(theta, before);
        const asyncObjective = async (t: Float32Array) => {
          if (++calls === 2 * directions + failAt) throw new Error('async crash');
          return t[0]!;
        };
        await expect(optimizer.step(asyncObjective, 6n)).rejects.toThrow('async crash');
        expectSameBits(theta, before);
      }
    }
  });

  it('restores θ when g overflows and when the update is refused', async () => {
    const theta = makeTheta(9, 1);
    const before = theta.slice();
    const optimizer = new ZoOptimizer(theta, { lr: 0.1, eps: 1e-300, onNonFinite: 'skip' });
    let calls = 0;
    const result = await optimizer.step(() => (++calls % 2 === 1 ? 1e300 : -1e300), 1n);
    expect(result.skipped).toBe(true);
    expectSameBits(theta, before);
    // Two finite per-direction scalars whose mean overflows: the record is refused by the update.
    const two = new ZoOptimizer(theta, { lr: 0.1, eps: 0.5, directions: 2 });
    let c = 0;
    const error = await two
      .step(() => [1.7e308, -1.7e308, 1.7e308, -1.7e308][c++]!, 2n)
      .catch((e: unknown) => e);
    expect((error as ZoError).code).toBe('ZO_NON_FINITE_GRADIENT');
    expectSameBits(theta, before);
  });

  it('generates each direction once per step (n = 1) and regenerates only streams 0..n−2 (n > 1)', async () => {
    const calls = { fill: [] as number[], fillRange: [] as number[] };
    const counting: DirectionPool = {
      threads: 1,
      closed: false,
      fill: async (seed, out, options) => {
        calls.fill.push(options?.stream ?? 0);
        return fillDirection(seed, out, options);
      },
      fillRange: async (seed, out, from, options) => {
        calls.fillRange.push(options?.stream ?? 0);
        return fillDirectionRange(seed, out, from, options);
      },
      allocate: (length) => new Float32Array(length),
      close: async () => {},
    };
    const k = 1000;
    const loss = quadratic(k);
    const plain = makeTheta(k, 0);
    const pooled = Float32Array.from(plain);
    const one = new ZoOptimizer(pooled, {
      lr: 0.01,
      directionPool: counting,
      directionPoolThreshold: 0,
    });
    const reference = new ZoOptimizer(plain, { lr: 0.01 });
    expect(one.usesDirectionPool).toBe(true);
    expect(reference.usesDirectionPool).toBe(false);
    for (let t = 0; t < 5; t++) {
      await one.step(loss, BigInt(t));
      await reference.step(loss, BigInt(t));
    }
    expect(calls.fill).toEqual([0, 0, 0, 0, 0]);
    expect(calls.fillRange).toEqual([]);
    expectSameBits(pooled, plain);

    calls.fill.length = 0;
    const three = new ZoOptimizer(pooled, {
      lr: 0.01,
      directions: 3,
      directionPool: counting,
      directionPoolThreshold: 0,
    });
    await three.step(loss, 9n);
    expect(calls.fill).toEqual([0, 1, 2]);
    expect(calls.fillRange).toEqual([0, 1]); // k < one pool chunk: one range call per stream
    // Below the threshold the pool is not used.
    const small = new ZoOptimizer(new Float32Array(10), {
      lr: 0.01,
      directionPool: counting,
      directionPoolThreshold: 11,
    });
    expect(small.usesDirectionPool).toBe(false);
    expect(
      () => new ZoOptimizer(new Float32Array(4), { lr: 0.1, directionPoolThreshold: -1 }),
    ).toThrow(/directionPoolThreshold/);
  });
});
