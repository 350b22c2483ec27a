import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { resolveMaskSize } from './mask-size.js';
import { createSparseMask, maskSize } from './sparse-mask.js';

const fp = '0123456789abcdef';

describe('createSparseMask', () => {
  it('accepts a valid mask and freezes it', () => {
    const m = createSparseMask({
      fingerprint: fp,
      d: 10,
      indices: Uint32Array.of(0, 4, 9),
      scores: new Float32Array(3),
    });
    expect(maskSize(m)).toBe(3);
    expect(Object.isFrozen(m)).toBe(true);
    expect('gradMean' in m).toBe(false);
  });

  it('rejects inconsistent masks with MASK_INVALID', () => {
    const ok = { fingerprint: fp, d: 10, indices: Uint32Array.of(1, 2) };
    expect(errorCodeOf(() => createSparseMask({ ...ok, fingerprint: 'XYZ' }))).toBe('MASK_INVALID');
    expect(errorCodeOf(() => createSparseMask({ ...ok, fingerprint: fp.toUpperCase() }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, d: 0 }))).toBe('MASK_INVALID');
    expect(errorCodeOf(() => createSparseMask({ ...ok, d: 2 ** 32 }))).toBe('MASK_INVALID');
    expect(errorCodeOf(() => createSparseMask({ ...ok, indices: new Uint32Array(0) }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, indices: Uint32Array.of(2, 1) }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, indices: Uint32Array.of(1, 1) }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, indices: Uint32Array.of(1, 10) }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, gradMean: new Float32Array(3) }))).toBe(
      'MASK_INVALID',
    );
    expect(errorCodeOf(() => createSparseMask({ ...ok, scores: new Float32Array(1) }))).toBe(
      'MASK_INVALID',
    );
  });
});

describe('createSparseMask value checks', () => {
  const ok = { fingerprint: fp, d: 10, indices: Uint32Array.of(1, 2) };

  it('rejects a non-finite gradMean with MASK_INVALID', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(
        errorCodeOf(() => createSparseMask({ ...ok, gradMean: Float32Array.of(0.5, bad) })),
      ).toBe('MASK_INVALID');
    }
    // Negative and zero ḡ are ordinary values.
    expect(createSparseMask({ ...ok, gradMean: Float32Array.of(-3, 0) }).gradMean).toEqual(
      Float32Array.of(-3, 0),
    );
  });

  it('rejects NaN, ±∞ and negative scores with MASK_INVALID; accepts 0 and −0', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1e-30]) {
      expect(errorCodeOf(() => createSparseMask({ ...ok, scores: Float32Array.of(bad, 1) }))).toBe(
        'MASK_INVALID',
      );
    }
    expect(createSparseMask({ ...ok, scores: Float32Array.of(0, -0) }).scores!.length).toBe(2);
  });
});

describe('resolveMaskSize', () => {
  it('resolves k and density, rounding half up with a floor of 1', () => {
    expect(resolveMaskSize({ k: 7 }, 10)).toBe(7);
    expect(resolveMaskSize({ density: 1e-3 }, 1_000_000)).toBe(1000);
    expect(resolveMaskSize({ density: 0.25 }, 10)).toBe(3);
    expect(resolveMaskSize({ density: 1e-9 }, 10)).toBe(1);
    expect(resolveMaskSize({ density: 1 }, 10)).toBe(10);
    expect(errorCodeOf(() => resolveMaskSize({ k: 11 }, 10))).toBe('MASK_INVALID_ARGUMENT');
    expect(errorCodeOf(() => resolveMaskSize({ density: Number.NaN }, 10))).toBe(
      'MASK_INVALID_ARGUMENT',
    );
  });
});
