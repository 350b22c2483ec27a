import { describe, expect, it } from 'vitest';
import {
  oracleAttention,
  oracleCrossEntropy,
  oracleLogSoftmax,
  oracleMatmul,
  oracleRmsNorm,
  oracleRope,
  oracleRopeTables,
  oracleSilu,
} from './oracle.js';

/** Known answers for the oracle itself, worked by hand. */
describe('float64 oracle', () => {
  it('matmul: a 2x3 by 3x2 product, and the transposed-B layout gives the same', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6);
    const b = Float64Array.of(7, 8, 9, 10, 11, 12);
    const dims = {
      batch: 1,
      m: 2,
      k: 3,
      n: 2,
      batchedA: false,
      batchedB: false,
      transposeB: false,
    };
    expect([...oracleMatmul(a, b, dims)]).toEqual([58, 64, 139, 154]);
    const bT = Float64Array.of(7, 9, 11, 8, 10, 12);
    expect([...oracleMatmul(a, bT, { ...dims, transposeB: true })]).toEqual([58, 64, 139, 154]);
  });

  it('rmsNorm of [3, 4] with weight [1, 2] is [3, 8]/√12.5', () => {
    const y = oracleRmsNorm(Float64Array.of(3, 4), Float64Array.of(1, 2), 0);
    expect(y[0]).toBeCloseTo(3 / Math.sqrt(12.5), 15);
    expect(y[1]).toBeCloseTo(8 / Math.sqrt(12.5), 15);
  });

  it('rope: position 0 is the identity; a quarter turn maps (x1, x2) to (−x2, x1)', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const dims = { b: 1, s: 1, heads: 1, d: 4, perBatch: false };
    const t0 = oracleRopeTables([0], 4, 10000);
    expect([...oracleRope(x, t0.cos, t0.sin, dims)]).toEqual([1, 2, 3, 4]);
    // rotate-half pairs i with i + d/2: (x0, x2) and (x1, x3)
    const quarter = oracleRope(x, Float64Array.of(0, 1), Float64Array.of(1, 0), dims);
    expect([...quarter]).toEqual([-3, 2, 1, 4]);
    // invFreq_i = θ^(−2i/d): for d = 4, θ = 100, position 10: angles 10 and 1
    const t = oracleRopeTables([10], 4, 100);
    expect(t.cos[0]).toBeCloseTo(Math.cos(10), 15);
    expect(t.cos[1]).toBeCloseTo(Math.cos(1), 15);
  });

  it('attention: one visible key returns its value; equal scores average; masked rows are zero', () => {
    const dims = { b: 1, s: 2, t: 2, hq: 1, hkv: 1, d: 1, causal: true, scale: 1 };
    const out = oracleAttention(
      Float64Array.of(1, 1),
      Float64Array.of(0, 0),
      Float64Array.of(2, 6),
      undefined,
      dims,
    );
    expect([...out]).toEqual([2, 4]);
    const masked = oracleAttention(
      Float64Array.of(1, 1),
      Float64Array.of(0, 0),
      Float64Array.of(2, 6),
      Float64Array.of(0, 1),
      dims,
    );
    expect([...masked]).toEqual([0, 6]);
  });

  it('logSoftmax of equal logits is −log V; crossEntropy of [0, ln 3] at target 1 is ln(4/3)', () => {
    expect(
      [...oracleLogSoftmax(Float64Array.of(5, 5, 5, 5), 4)].every(
        (v) => Math.abs(v + Math.log(4)) < 1e-15,
      ),
    ).toBe(true);
    const ce = oracleCrossEntropy(
      Float64Array.of(0, Math.log(3)),
      2,
      Uint32Array.of(0),
      Uint32Array.of(1),
    );
    expect(ce[0]).toBeCloseTo(Math.log(4 / 3), 15);
  });

  it('silu(0) = 0, silu(x) → x for large x, silu(−x) = silu(x) − x', () => {
    expect(oracleSilu(0)).toBe(0);
    expect(oracleSilu(40)).toBeCloseTo(40, 12);
    expect(oracleSilu(-1.5)).toBeCloseTo(oracleSilu(1.5) - 1.5, 15);
  });
});
