import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { bruteTopK, uniformTestValues } from '../test/helpers.js';
import { createLayout } from './layout.js';
import { apportionK } from './mask-size.js';
import { selectMaskIndices } from './select-mask.js';
import { selectTopK } from './top-k.js';

function check(
  scores: Float32Array | Float64Array,
  k: number,
  opts: { abs?: boolean; start?: number; end?: number } = {},
) {
  const got = Array.from(selectTopK(scores, k, opts));
  expect(got).toEqual(
    bruteTopK(scores, k, opts.start ?? 0, opts.end ?? scores.length, opts.abs ?? false),
  );
}

describe('selectTopK vs a brute-force sort with index tie-break', () => {
  it('random continuous scores, many sizes and k', () => {
    const rnd = uniformTestValues(1);
    for (let trial = 0; trial < 150; trial++) {
      const d = 1 + Math.floor(rnd() * 3000);
      const scores = new Float32Array(d);
      const scale = 10 ** Math.floor(rnd() * 10 - 5);
      for (let i = 0; i < d; i++) scores[i] = rnd() * rnd() * scale;
      for (const k of [1, d, 1 + Math.floor(rnd() * d), Math.max(1, Math.floor(d / 2))])
        check(scores, k);
    }
  });

  it('heavy ties: values from {0, 1, 2}, all-equal, all-zero, and -0', () => {
    const rnd = uniformTestValues(2);
    for (let trial = 0; trial < 100; trial++) {
      const d = 1 + Math.floor(rnd() * 2000);
      const scores = new Float32Array(d);
      for (let i = 0; i < d; i++) scores[i] = Math.floor(rnd() * 3);
      for (const k of [1, d, 1 + Math.floor(rnd() * d)]) check(scores, k);
      const equal = new Float32Array(d).fill(0.25);
      check(equal, 1 + Math.floor(rnd() * d));
      const zeros = new Float32Array(d);
      for (let i = 0; i < d; i++) zeros[i] = rnd() < 0.5 ? -0 : 0;
      check(zeros, 1 + Math.floor(rnd() * d));
    }
  });

  it('values crowded into one high-16-bit bucket (exercises the low-bits pass)', () => {
    const rnd = uniformTestValues(3);
    for (let trial = 0; trial < 40; trial++) {
      const d = 100 + Math.floor(rnd() * 5000);
      const scores = new Float32Array(d);
      // 1 + tiny: same exponent and same top 7 mantissa bits; some exact duplicates.
      for (let i = 0; i < d; i++) scores[i] = 1 + Math.floor(rnd() * 200) * 2 ** -20;
      for (const k of [1, 7, Math.floor(d / 3), d - 1, d]) check(scores, k);
    }
  });

  it('a bucket too large to buffer forces the third pass and stays exact', () => {
    const rnd = uniformTestValues(4);
    const d = 300_000;
    const scores = new Float32Array(d);
    for (let i = 0; i < d; i++) scores[i] = 1 + Math.floor(rnd() * 50) * 2 ** -22;
    for (const k of [1, 10, 1000]) check(scores, k);
    check(new Float32Array(d).fill(3), 17);
  });

  it('Float64 scores are ranked after float32 rounding, ties to the lower index', () => {
    const rnd = uniformTestValues(5);
    for (let trial = 0; trial < 60; trial++) {
      const d = 1 + Math.floor(rnd() * 1000);
      const scores = new Float64Array(d);
      // Values that differ below float32 resolution become ties.
      for (let i = 0; i < d; i++)
        scores[i] = 1 + Math.floor(rnd() * 20) * 2 ** -30 + (rnd() < 0.3 ? rnd() : 0);
      for (const k of [1, d, 1 + Math.floor(rnd() * d)]) check(scores, k);
    }
    const big = new Float64Array(200_000);
    for (let i = 0; i < big.length; i++) big[i] = rnd() ** 3;
    check(big, 5000);
  });

  it('abs mode ranks by magnitude and accepts negative values', () => {
    const rnd = uniformTestValues(6);
    for (let trial = 0; trial < 60; trial++) {
      const d = 1 + Math.floor(rnd() * 1500);
      const w = new Float32Array(d);
      for (let i = 0; i < d; i++) w[i] = (rnd() < 0.5 ? -1 : 1) * Math.floor(rnd() * 5);
      for (const k of [1, d, 1 + Math.floor(rnd() * d)]) check(w, k, { abs: true });
    }
  });

  it('sub-ranges return absolute indices', () => {
    const rnd = uniformTestValues(7);
    const scores = new Float32Array(5000);
    for (let i = 0; i < scores.length; i++) scores[i] = Math.floor(rnd() * 10);
    check(scores, 30, { start: 1234, end: 3000 });
    check(scores, 1, { start: 4999 });
  });

  it('rejects NaN and negative scores, and bad k or ranges, with typed errors', () => {
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, Number.NaN, 2), 1))).toBe(
      'SCORES_INVALID',
    );
    expect(errorCodeOf(() => selectTopK(Float64Array.of(1, Number.NaN, 2), 1))).toBe(
      'SCORES_INVALID',
    );
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, -0.5, 2), 1))).toBe('SCORES_INVALID');
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, Number.NaN), 1, { abs: true }))).toBe(
      'SCORES_INVALID',
    );
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, 2), 0))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, 2), 3))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, 2), 1.5))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => selectTopK(Float32Array.of(1, 2), 1, { start: 2 }))).toBe(
      'MASK_INVALID_ARGUMENT',
    );
    // Infinity is an ordinary (largest) score.
    expect(Array.from(selectTopK(Float32Array.of(1, Number.POSITIVE_INFINITY, 2), 1))).toEqual([1]);
  });
});

describe('per-tensor selection', () => {
  it('apportionK matches a largest-remainder reference and sums to k', () => {
    const rnd = uniformTestValues(8);
    for (let trial = 0; trial < 300; trial++) {
      const sizes = Array.from(
        { length: 1 + Math.floor(rnd() * 8) },
        () => 1 + Math.floor(rnd() * 100),
      );
      const d = sizes.reduce((a, b) => a + b, 0);
      const k = Math.floor(rnd() * (d + 1));
      const parts = apportionK(k, sizes);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(k);
      // Reference with exact rationals: quota_t = k s_t / d.
      const floors = sizes.map((s) => Math.floor((k * s) / d));
      const rem = sizes.map((s, t) => k * s - floors[t]! * d);
      const order = sizes.map((_, t) => t).sort((a, b) => rem[b]! - rem[a]! || a - b);
      const ref = [...floors];
      for (let j = 0; j < k - floors.reduce((a, b) => a + b, 0); j++) ref[order[j]!]! += 1;
      expect(parts).toEqual(ref);
      parts.forEach((p, t) => {
        expect(p).toBeLessThanOrEqual(sizes[t]!);
      });
    }
  });

  it('selects each tensor share inside its range (brute-force per tensor)', () => {
    const rnd = uniformTestValues(9);
    for (let trial = 0; trial < 40; trial++) {
      const shapes = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => [
        1 + Math.floor(rnd() * 40),
        1 + Math.floor(rnd() * 20),
      ]);
      const layout = createLayout(shapes.map((shape, i) => ({ name: `t${i}`, shape })));
      const scores = new Float32Array(layout.size);
      for (let i = 0; i < scores.length; i++) scores[i] = Math.floor(rnd() * 4) * (1 + (i % 3));
      const k = 1 + Math.floor(rnd() * layout.size);
      const parts = apportionK(
        k,
        layout.tensors.map((t) => t.size),
      );
      const expected: number[] = [];
      layout.tensors.forEach((t, i) => {
        expected.push(...bruteTopK(scores, parts[i]!, t.offset, t.offset + t.size));
      });
      expect(Array.from(selectMaskIndices(layout, scores, k, 'per-tensor'))).toEqual(expected);
      expect(Array.from(selectMaskIndices(layout, scores, k, 'global'))).toEqual(
        bruteTopK(scores, k),
      );
    }
  });
});
