import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from './float16.js';

/** Independent arithmetic definition of binary16 (IEEE 754-2008 §3.4). */
function f16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('F16 → F32', () => {
  it('matches the arithmetic definition for all 65,536 bit patterns (subnormals, ±0, ±inf, NaN)', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) if (!Object.is(f16ToF32(h), f16Reference(h))) bad.push(h);
    expect(bad).toEqual([]);
  });

  it('gives known values', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16ToF32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(f16ToF32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x7e00)).toBeNaN();
  });
});

describe('F32 → F16', () => {
  it('round-trips every non-NaN F16 value exactly', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if (!Number.isNaN(f16ToF32(h)) && f32ToF16Bits(f16ToF32(h)) !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it('rounds to nearest, ties to even, and overflows to infinity', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // half the smallest subnormal: tie to even 0
    expect(f32ToF16Bits(3 * 2 ** -26)).toBe(1);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(-1e9)).toBe(0xfc00);
    expect(Number.isNaN(f16ToF32(f32ToF16Bits(Number.NaN)))).toBe(true);
  });
});

describe('BF16', () => {
  it('is the upper 16 bits of a float32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x7f80)).toBe(Number.POSITIVE_INFINITY);
    expect(bf16ToF32(0x0001)).toBe(2 ** -133);
    for (let b = 0; b < 65536; b += 7) {
      const v = bf16ToF32(b);
      if (!Number.isNaN(v)) expect(f32ToBf16Bits(v)).toBe(b);
    }
  });

  it('rounds to nearest even when narrowing', () => {
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bf16ToF32(f32ToBf16Bits(Number.NaN)))).toBe(true);
  });
});
