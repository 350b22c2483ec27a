import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { bruteTopK, uniformTestValues } from '../test/helpers.js';
import { MaskCalibrator } from './calibrator.js';
import { createLayout } from './layout.js';
import { apportionK } from './mask-size.js';

const layout = createLayout([
  { name: 'a', shape: [7, 5] },
  { name: 'b', shape: [11] },
  { name: 'c', shape: [3, 2, 4] },
]);
const d = layout.size;

function randomBatches(seed: number, n: number): Float32Array[] {
  const rnd = uniformTestValues(seed);
  return Array.from({ length: n }, () => {
    const g = new Float32Array(d);
    for (let i = 0; i < d; i++)
      g[i] = (rnd() - 0.5) * (1 + (i % 7)) * 10 ** Math.floor(rnd() * 4 - 2);
    return g;
  });
}

function toMap(g: Float32Array): Record<string, Float32Array> {
  return Object.fromEntries(
    layout.tensors.map((t) => [t.name, g.slice(t.offset, t.offset + t.size)]),
  );
}

describe('MaskCalibrator', () => {
  it('accumulates the float64 mean squared and mean gradient exactly like a direct reference', () => {
    const batches = randomBatches(1, 13);
    const cal = new MaskCalibrator(layout);
    for (const g of batches) cal.addBatch(g);
    expect(cal.batchCount).toBe(13);
    const fisher = cal.fisher();
    const mean = cal.meanGradient();
    for (let i = 0; i < d; i++) {
      let sq = 0;
      let s = 0;
      for (const g of batches) {
        sq += g[i]! * g[i]!;
        s += g[i]!;
      }
      expect(fisher[i]).toBe(sq / batches.length);
      expect(mean[i]).toBe(s / batches.length);
    }
  });

  it('per-tensor map input gives the same accumulators and mask as flat input', () => {
    const batches = randomBatches(2, 5);
    const flat = new MaskCalibrator(layout);
    const mapped = new MaskCalibrator(layout);
    for (const g of batches) {
      flat.addBatch(g);
      mapped.addBatch(toMap(g));
    }
    expect(mapped.fisher()).toEqual(flat.fisher());
    expect(mapped.meanGradient()).toEqual(flat.meanGradient());
    expect(mapped.select({ size: { k: 9 } })).toEqual(flat.select({ size: { k: 9 } }));
  });

  it('selects the top-k of F (float32, index tie-break) with gradMean and scores at the mask', () => {
    const batches = randomBatches(3, 4);
    const cal = new MaskCalibrator(layout);
    for (const g of batches) cal.addBatch(g);
    const fisher = cal.fisher();
    const mean = cal.meanGradient();
    for (const k of [1, 5, 30, d]) {
      const mask = cal.select({ size: { k } });
      expect(mask.fingerprint).toBe(layout.fingerprint);
      expect(mask.d).toBe(d);
      expect(Array.from(mask.indices)).toEqual(bruteTopK(fisher, k));
      expect(Array.from(mask.gradMean!)).toEqual(
        Array.from(mask.indices, (i) => Math.fround(mean[i]!)),
      );
      expect(Array.from(mask.scores!)).toEqual(
        Array.from(mask.indices, (i) => Math.fround(fisher[i]!)),
      );
    }
    const bare = cal.select({
      size: { density: 0.1 },
      includeGradMean: false,
      includeScores: false,
    });
    expect(bare.indices.length).toBe(Math.round(0.1 * d));
    expect(bare.gradMean).toBeUndefined();
    expect(bare.scores).toBeUndefined();
  });

  it('per-tensor scope apportions k by tensor size', () => {
    const batches = randomBatches(4, 3);
    const cal = new MaskCalibrator(layout);
    for (const g of batches) cal.addBatch(g);
    const fisher = cal.fisher();
    const k = 17;
    const mask = cal.select({ size: { k }, scope: 'per-tensor' });
    const parts = apportionK(
      k,
      layout.tensors.map((t) => t.size),
    );
    const expected = layout.tensors.flatMap((t, i) =>
      bruteTopK(fisher, parts[i]!, t.offset, t.offset + t.size),
    );
    expect(Array.from(mask.indices)).toEqual(expected);
  });

  it('validates batches before accumulating and refuses to select with no batch', () => {
    const cal = new MaskCalibrator(layout);
    expect(errorCodeOf(() => cal.select({ size: { k: 1 } }))).toBe('CALIBRATOR_EMPTY');
    const [g] = randomBatches(5, 1);
    expect(errorCodeOf(() => cal.addBatch(new Float32Array(d - 1)))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    const map = toMap(g!);
    const { b: _b, ...missing } = map;
    expect(errorCodeOf(() => cal.addBatch(missing))).toBe('GRADIENT_SHAPE_MISMATCH');
    expect(errorCodeOf(() => cal.addBatch({ ...map, extra: new Float32Array(1) }))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    expect(errorCodeOf(() => cal.addBatch({ ...map, b: new Float32Array(10) }))).toBe(
      'GRADIENT_SHAPE_MISMATCH',
    );
    const nan = g!.slice();
    nan[40] = Number.NaN;
    expect(errorCodeOf(() => cal.addBatch(nan))).toBe('GRADIENT_NON_FINITE');
    expect(
      errorCodeOf(() =>
        cal.addBatch({ ...map, c: new Float32Array(24).fill(Number.POSITIVE_INFINITY) }),
      ),
    ).toBe('GRADIENT_NON_FINITE');
    expect(cal.batchCount).toBe(0);
    expect(cal.fisher().every((v) => v === 0)).toBe(true);
    cal.addBatch(g!);
    expect(errorCodeOf(() => cal.select({ size: { k: 0 } }))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => cal.select({ size: { density: 0 } }))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => cal.select({ size: { density: 1.5 } }))).toBe('MASK_INVALID_ARGUMENT');
    cal.reset();
    expect(cal.batchCount).toBe(0);
  });

  it('reports a Fisher score that overflows float32 as GRADIENT_NON_FINITE, not a bad mask', () => {
    const cal = new MaskCalibrator(layout);
    const g = new Float32Array(d).fill(1);
    g[3] = 1e20; // finite float32, but g² = 1e40 > float32 max
    cal.addBatch(g);
    expect(errorCodeOf(() => cal.select({ size: { k: 2 } }))).toBe('GRADIENT_NON_FINITE');
    const noScores = cal.select({ size: { k: 1 }, includeScores: false });
    expect(Array.from(noScores.indices)).toEqual([3]);
    expect(noScores.gradMean![0]).toBe(Math.fround(1e20));
  });
});
