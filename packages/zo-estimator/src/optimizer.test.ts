import { describe, expect, it } from 'vitest';
import { bits } from '../test/bits.js';
import { separableQuadratic } from '../test/quadratic.js';
import { applyStep, replay, type StepRecord, ZoError, ZoOptimizer } from './index.js';

describe('ZoOptimizer', () => {
  const dim = 20;
  const loss = separableQuadratic(dim);

  it('descends: ZO-SGD lowers the loss by more than 10x (checks the update sign)', async () => {
    const theta = new Float32Array(dim);
    const optimizer = new ZoOptimizer(theta, { lr: 0.02 });
    const initial = loss(theta);
    for (let t = 0; t < 1500; t++) await optimizer.step(loss, BigInt(t));
    expect(loss(theta)).toBeLessThan(initial / 10);
    expect(optimizer.steps).toBe(1500);
    expect(optimizer.forwardPasses).toBe(3000);
  });

  it('one step moves θ against the estimated gradient: f(θ₁) < f(θ₀) on average', async () => {
    let decreases = 0;
    for (let t = 0; t < 200; t++) {
      const theta = new Float32Array(dim);
      const before = loss(theta);
      await new ZoOptimizer(theta, { lr: 0.01 }).step(loss, BigInt(1000 + t));
      if (loss(theta) < before) decreases++;
    }
    // With a small step, f decreases whenever g ≠ 0: the sign of the update is right.
    expect(decreases).toBeGreaterThan(190);
  });

  it('a step with n directions moves θ by −η∇ in expectation (averaged estimate, not n×)', async () => {
    const c = Float64Array.from({ length: dim }, (_, i) => 1 + (i % 3));
    const a = Float64Array.from({ length: dim }, (_, i) => Math.cos(i));
    const gradient = Float64Array.from(c, (ci, i) => -ci * a[i]!); // ∇f at θ = 0
    const gradNormSq = gradient.reduce((s, v) => s + v * v, 0);
    const directions = 4;
    const lr = 1e-3;
    const trials = 3000;
    const displacement = new Float64Array(dim);
    for (let t = 0; t < trials; t++) {
      const theta = new Float32Array(dim);
      await new ZoOptimizer(theta, { lr, directions, eps: 1e-2 }).step(loss, BigInt(t) + 50_000n);
      for (let i = 0; i < dim; i++) displacement[i]! += theta[i]! / -lr / trials;
    }
    for (let i = 0; i < dim; i++) {
      const se = Math.sqrt((gradNormSq + gradient[i]! ** 2) / (directions * trials));
      expect(Math.abs(displacement[i]! - gradient[i]!)).toBeLessThan(5 * se);
    }
  });

  it.each([
    { name: 'defaults', options: { lr: 0.01 } },
    {
      name: '3 Rademacher directions, weight decay, clipping',
      options: {
        lr: 0.005,
        directions: 3,
        distribution: 'rademacher' as const,
        weightDecay: 0.1,
        clip: 2,
      },
    },
    { name: 'one-sided', options: { lr: 0.01, scheme: 'one-sided' as const } },
  ])(
    'replay of the (seed, g) records equals the live run bit for bit ($name)',
    async ({ options }) => {
      const theta0 = Float32Array.from({ length: dim }, (_, i) => Math.sin(i) * 0.1);
      const live = Float32Array.from(theta0);
      const optimizer = new ZoOptimizer(live, options);
      const records: StepRecord[] = [];
      for (let t = 0; t < 100; t++) {
        const result = await optimizer.step(loss, BigInt(t) * 31n + 1n);
        if (result.record) records.push(result.record);
      }
      const replayed = replay(Float32Array.from(theta0), records, optimizer.updateOptions);
      expect(bits(replayed)).toEqual(bits(live));
      expect(bits(live)).not.toEqual(bits(theta0));
    },
  );

  it('records the clipped g and keeps the raw one for logging', async () => {
    const theta = new Float32Array(dim).fill(5);
    const optimizer = new ZoOptimizer(theta, { lr: 1e-4, clip: 0.5 });
    const result = await optimizer.step(loss, 9n);
    expect(Math.abs(result.rawG)).toBeGreaterThan(0.5);
    expect(Math.abs(result.record!.g)).toBe(0.5);
    expect(Math.sign(result.record!.g)).toBe(Math.sign(result.rawG));
  });

  it('with several directions, clips each scalar and records g as the mean of the clipped gs', async () => {
    const theta = new Float32Array(dim).fill(5);
    const optimizer = new ZoOptimizer(theta, { lr: 1e-4, clip: 0.5, directions: 3 });
    const { record } = await optimizer.step(loss, 9n);
    expect(record!.gs).toHaveLength(3);
    for (const g of record!.gs!) expect(Math.abs(g)).toBeLessThanOrEqual(0.5);
    const mean = (record!.gs![0]! + record!.gs![1]! + record!.gs![2]!) / 3;
    expect(record!.g).toBe(mean);
  });

  it('raises ZO_NON_FINITE_LOSS on a NaN loss and leaves θ untouched', async () => {
    const theta = Float32Array.from({ length: dim }, (_, i) => i);
    const before = bits(theta);
    const optimizer = new ZoOptimizer(theta, { lr: 0.1 });
    const error = await optimizer.step(() => Number.NaN, 1n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoError);
    expect((error as ZoError).code).toBe('ZO_NON_FINITE_LOSS');
    expect(bits(theta)).toEqual(before);
  });

  it("with onNonFinite 'skip', counts skipped steps and leaves θ untouched", async () => {
    const theta = Float32Array.from({ length: dim }, (_, i) => i);
    const before = bits(theta);
    const optimizer = new ZoOptimizer(theta, { lr: 0.1, onNonFinite: 'skip' });
    let calls = 0;
    const flaky = (t: Float32Array) => (++calls === 2 ? Number.POSITIVE_INFINITY : loss(t));
    const result = await optimizer.step(flaky, 1n);
    expect(result.skipped).toBe(true);
    expect(result.record).toBeUndefined();
    expect(optimizer.skipped).toBe(1);
    expect(optimizer.steps).toBe(0);
    // Both evaluations happened and are counted, although the step was skipped.
    expect(result.forwardPasses).toBe(2);
    expect(optimizer.forwardPasses).toBe(2);
    expect(bits(theta)).toEqual(before);
    const next = await optimizer.step(loss, 2n);
    expect(next.skipped).toBe(false);
  });

  it('treats an overflowing g (finite losses, infinite difference) as non-finite', async () => {
    const theta = new Float32Array(dim);
    const optimizer = new ZoOptimizer(theta, { lr: 0.1, eps: 1e-300 });
    let calls = 0;
    const objective = () => (++calls % 2 === 1 ? 1e300 : -1e300);
    const error = await optimizer.step(objective, 1n).catch((e: unknown) => e);
    expect((error as ZoError).code).toBe('ZO_NON_FINITE_GRADIENT');
  });

  it('rejects bad configuration with typed errors', () => {
    const theta = new Float32Array(4);
    expect(() => new ZoOptimizer(theta, { lr: 0 })).toThrow(ZoError);
    expect(() => new ZoOptimizer(theta, { lr: -1 })).toThrow(/lr/);
    expect(() => new ZoOptimizer(theta, { lr: 0.1, clip: 0 })).toThrow(/clip/);
    expect(() => new ZoOptimizer(theta, { lr: 0.1, weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => new ZoOptimizer(theta, { lr: 1, weightDecay: 3 })).toThrow(/lr·weightDecay/);
    expect(
      () => new ZoOptimizer(theta, { lr: 0.1, onNonFinite: 'ignore' as unknown as 'skip' }),
    ).toThrow(/onNonFinite/);
  });
});

describe('replay', () => {
  it('refuses records whose scalar count does not match the directions, before touching θ', () => {
    const theta = new Float32Array(8).fill(1);
    expect(() => replay(theta, [{ seed: 1n, g: 0.5 }], { lr: 0.1, directions: 2 })).toThrow(
      /2 direction/,
    );
    expect(() => replay(theta, [{ seed: 1n, g: Number.NaN }], 0.1)).toThrow(ZoError);
    expect(Array.from(theta)).toEqual(new Array(8).fill(1));
  });

  it('validates every record before touching θ: a bad record after good ones changes nothing', () => {
    const theta = new Float32Array(8).fill(1);
    const records = [
      { seed: 1n, g: 0.5 },
      { seed: 2n, g: 0.25 },
      { seed: 3n, g: Number.NaN },
    ];
    expect(() => replay(theta, records, 0.1)).toThrow(ZoError);
    expect(Array.from(theta)).toEqual(new Array(8).fill(1));
  });

  it('rejects forged records: non-finite g beside gs, or g that is not the mean of gs', () => {
    const theta = new Float32Array(8).fill(1);
    const options = { lr: 0.1, directions: 2 };
    expect(() => replay(theta, [{ seed: 1n, g: Number.NaN, gs: [0.5, 0.5] }], options)).toThrow(
      /non-finite/,
    );
    expect(() => replay(theta, [{ seed: 1n, g: 5, gs: [1, 2] }], options)).toThrow(/mean of gs/);
    expect(() => replay(theta, [{ seed: 1n, g: 1.5, gs: [1, 2] }], options)).not.toThrow();
  });
});

describe('applyStep', () => {
  it('checks the scratch buffer before applying weight decay, so θ is untouched on error', () => {
    const theta = new Float32Array(8).fill(1);
    expect(() =>
      applyStep(theta, { seed: 1n, g: 0 }, { lr: 0.1, weightDecay: 0.5 }, new Float32Array(7)),
    ).toThrow(ZoError);
    expect(Array.from(theta)).toEqual(new Array(8).fill(1));
  });
});
