import { describe, expect, it } from 'vitest';
import { uniformTestValues } from '../test/helpers.js';
import { randomMask } from './baselines.js';
import { SparseMaskError } from './errors.js';
import { gatherMasked, scatterMasked } from './gather-scatter.js';
import { createLayout } from './layout.js';
import { maskEnergy } from './mask-energy.js';
import { createSparseMask } from './sparse-mask.js';

const layout = createLayout([
  { name: 'a', shape: [13, 3] },
  { name: 'b', shape: [1] },
  { name: 'c', shape: [50] },
  { name: 'd', shape: [2, 2] },
]);

function vector(seed: number): Float32Array {
  const rnd = uniformTestValues(seed);
  return Float32Array.from({ length: layout.size }, () => rnd() * 2 - 1);
}
const toMap = (v: Float32Array) =>
  Object.fromEntries(layout.tensors.map((t) => [t.name, v.slice(t.offset, t.offset + t.size)]));

describe('gatherMasked / scatterMasked', () => {
  it('gathers the values at the mask from flat and per-tensor inputs', () => {
    const v = vector(1);
    for (const k of [1, 10, 60, layout.size]) {
      const mask = randomMask(layout, { k }, BigInt(k));
      const expected = Array.from(mask.indices, (i) => v[i]!);
      expect(Array.from(gatherMasked(mask, layout, v))).toEqual(expected);
      expect(Array.from(gatherMasked(mask, layout, toMap(v)))).toEqual(expected);
      const out = new Float32Array(k);
      expect(gatherMasked(mask, layout, v, out)).toBe(out);
    }
  });

  it('scatter writes only the masked positions and inverts gather', () => {
    const base = vector(2);
    const mask = randomMask(layout, { k: 25 }, 3n);
    const values = Float32Array.from({ length: 25 }, (_, j) => 100 + j);
    const flat = scatterMasked(mask, layout, values, base.slice());
    const map = scatterMasked(mask, layout, values, toMap(base));
    const inMask = new Set(mask.indices);
    for (let i = 0; i < layout.size; i++) {
      expect(flat[i]).toBe(inMask.has(i) ? 100 + mask.indices.indexOf(i) : base[i]);
    }
    expect(toMap(flat)).toEqual(map);
    expect(gatherMasked(mask, layout, flat)).toEqual(values);
  });

  it('validates layout, lengths and per-tensor maps', () => {
    const mask = randomMask(layout, { k: 5 }, 1n);
    const other = createLayout([{ name: 'a', shape: [layout.size] }]);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as SparseMaskError).code;
      }
      return 'no error';
    };
    expect(codeOf(() => gatherMasked(mask, other, vector(1)))).toBe('MASK_LAYOUT_MISMATCH');
    expect(codeOf(() => gatherMasked(mask, layout, new Float32Array(3)))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    expect(codeOf(() => gatherMasked(mask, layout, vector(1), new Float32Array(4)))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    expect(codeOf(() => scatterMasked(mask, layout, new Float32Array(6), vector(1)))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    const { c: _c, ...missing } = toMap(vector(1));
    expect(codeOf(() => gatherMasked(mask, layout, missing))).toBe('GRADIENT_SHAPE_MISMATCH');
  });
});

describe('maskEnergy', () => {
  it('equals a direct computation and reports the random comparison', () => {
    const g = vector(4);
    const mask = randomMask(layout, { k: 30 }, 5n);
    let total = 0;
    for (const x of g) total += x * x;
    let on = 0;
    for (const i of mask.indices) on += g[i]! * g[i]!;
    const e = maskEnergy(mask, layout, g, { randomSeed: 5n });
    expect(e.fraction).toBeCloseTo(on / total, 12);
    // With the same seed and k, the random comparison mask is the mask itself.
    expect(e.randomFraction).toBeCloseTo(e.fraction, 12);
    expect(e.expectedRandomFraction).toBe(30 / layout.size);
    expect(e.ratioToRandom).toBeCloseTo(e.fraction / (30 / layout.size), 10);
    expect(maskEnergy(mask, layout, toMap(g), { randomSeed: 5n })).toEqual(e);
  });

  it('a mask on the support of a sparse gradient holds all of its energy', () => {
    const g = new Float32Array(layout.size);
    const indices = Uint32Array.of(3, 40, 41, 90);
    for (const i of indices) g[i] = i - 50;
    const mask = createSparseMask({ fingerprint: layout.fingerprint, d: layout.size, indices });
    const e = maskEnergy(mask, layout, g);
    expect(e.fraction).toBe(1);
    expect(e.ratioToRandom).toBeCloseTo(layout.size / 4, 10);
    expect(() => maskEnergy(mask, layout, new Float32Array(layout.size))).toThrow(SparseMaskError);
    const nan = g.slice();
    nan[0] = Number.NaN;
    expect(() => maskEnergy(mask, layout, nan)).toThrow(SparseMaskError);
  });
});
