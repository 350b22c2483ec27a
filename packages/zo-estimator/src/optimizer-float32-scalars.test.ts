import { describe, expect, it } from 'vitest';
import { bits } from '../test/bits.js';
import { separableQuadratic } from '../test/quadratic.js';
import {
  applyStep,
  fillDirection,
  replay,
  type StepRecord,
  ZoError,
  ZoOptimizer,
  type ZoOptimizerOptions,
} from './index.js';

const isFloat32 = (x: number) => Math.fround(x) === x;

describe("ZoOptimizer with scalars: 'float32'", () => {
  const dim = 24;
  const loss = separableQuadratic(dim);
  const theta0 = () => Float32Array.from({ length: dim }, (_, i) => Math.sin(i) * 0.1);

  it('records fround(g) of the float64 run, and applies exactly that rounded g', async () => {
    const live32 = theta0();
    const live64 = theta0();
    const o32 = new ZoOptimizer(live32, { lr: 0.01, scalars: 'float32' });
    const o64 = new ZoOptimizer(live64, { lr: 0.01 });
    const before = live32.slice();
    const r32 = await o32.step(loss, 77n);
    const r64 = await o64.step(loss, 77n);
    // Same losses, same estimate; the record holds the rounded scalar.
    expect(r32.rawG).toBe(r64.rawG);
    expect(r32.record!.g).toBe(Math.fround(r64.record!.g));
    expect(isFloat32(r32.record!.g)).toBe(true);
    expect(r64.record!.g).not.toBe(r32.record!.g); // the rounding changed something
    // The applied update equals θ ← θ − η·fround(g)·z, computed independently.
    const z = new Float32Array(dim);
    fillDirection(77n, z);
    const c = -0.01 * Math.fround(r64.record!.g);
    const expected = Float32Array.from(before, (v, i) => v + c * z[i]!);
    expect(bits(live32)).toEqual(bits(expected));
    // …and applyStep with the unrounded g gives another θ.
    const unrounded = applyStep(before.slice(), r64.record!, { lr: 0.01 });
    expect(bits(unrounded)).toEqual(bits(live64));
    expect(bits(live32)).not.toEqual(bits(live64));
  });

  it.each<{ name: string; options: ZoOptimizerOptions }>([
    { name: 'one direction', options: { lr: 0.01, scalars: 'float32' } },
    {
      name: '3 Rademacher directions, weight decay, clipping',
      options: {
        lr: 0.005,
        directions: 3,
        distribution: 'rademacher',
        weightDecay: 0.1,
        clip: 2,
        scalars: 'float32',
      },
    },
  ])(
    'replay of the records (and of their float32 copies) equals the live θ bit for bit ($name)',
    async ({ options }) => {
      const live = theta0();
      const optimizer = new ZoOptimizer(live, options);
      const records: StepRecord[] = [];
      for (let t = 0; t < 60; t++) {
        const { record } = await optimizer.step(loss, BigInt(t) * 17n + 3n);
        if (record !== undefined) records.push(record);
      }
      expect(records).toHaveLength(60);
      for (const r of records) for (const g of r.gs ?? [r.g]) expect(isFloat32(g)).toBe(true);
      const replayed = replay(theta0(), records, optimizer.updateOptions);
      expect(bits(replayed)).toEqual(bits(live));
      // What a float32 wire carries: every scalar through a Float32Array and back.
      const wire = records.map((r): StepRecord => {
        const gs = Float32Array.from(r.gs ?? [r.g]);
        return gs.length === 1
          ? { seed: r.seed, g: gs[0]! }
          : { seed: r.seed, g: gs.reduce((s, v) => s + v, 0) / gs.length, gs: Array.from(gs) };
      });
      expect(bits(replay(theta0(), wire, optimizer.updateOptions))).toEqual(bits(live));
      expect(bits(live)).not.toEqual(bits(theta0()));
    },
  );

  it("the default is 'float64': records keep g as estimated", async () => {
    let unrounded = 0;
    const optimizer = new ZoOptimizer(theta0(), { lr: 0.01 });
    for (let t = 0; t < 20; t++) {
      const { record } = await optimizer.step(loss, BigInt(t));
      if (!isFloat32(record!.g)) unrounded++;
    }
    expect(unrounded).toBeGreaterThan(15);
  });

  it('a g that rounds to ±∞ in float32 is non-finite: thrown or skipped, θ untouched', async () => {
    const theta = theta0();
    const before = bits(theta);
    // Finite float64 losses whose difference / 2ε is ~1e39: beyond float32's range.
    let calls = 0;
    const objective = () => (++calls % 2 === 1 ? 1e36 : -1e36);
    const thrower = new ZoOptimizer(theta, { lr: 0.1, scalars: 'float32' });
    const error = await thrower.step(objective, 1n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoError);
    expect((error as ZoError).code).toBe('ZO_NON_FINITE_GRADIENT');
    expect(bits(theta)).toEqual(before);
    const skipper = new ZoOptimizer(theta, { lr: 0.1, scalars: 'float32', onNonFinite: 'skip' });
    const result = await skipper.step(objective, 1n);
    expect(result.skipped).toBe(true);
    expect(skipper.skipped).toBe(1);
    expect(bits(theta)).toEqual(before);
    // The float64 optimiser takes the same step (1e39 is a finite float64).
    const wide = new ZoOptimizer(theta, { lr: 1e-45 });
    expect((await wide.step(objective, 1n)).skipped).toBe(false);
  });

  it('rejects an unknown scalar precision with a typed error', () => {
    expect(
      () =>
        new ZoOptimizer(new Float32Array(2), {
          lr: 0.1,
          scalars: 'float16' as unknown as 'float32',
        }),
    ).toThrow(/scalars must be 'float64' or 'float32'/);
  });
});
