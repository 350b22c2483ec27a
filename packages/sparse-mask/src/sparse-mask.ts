import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';

/**
 * A static sparse mask: k sorted flat indices into a parameter vector of size d, bound to a
 * layout by its fingerprint. `gradMean` (signed mean calibration gradient ḡ_pre, needed by
 * GradIP) and `scores` (the ranking score, e.g. the Fisher diagonal) are optional and, when
 * present, hold one value per index in index order.
 */
export interface SparseMask {
  /** Fingerprint of the layout the mask belongs to (16 lowercase hex digits). */
  readonly fingerprint: string;
  /** Size d of the full parameter vector. */
  readonly d: number;
  /** k strictly increasing flat indices, each < d. */
  readonly indices: Uint32Array;
  readonly gradMean?: Float32Array;
  readonly scores?: Float32Array;
}

/** The fields {@link createSparseMask} checks and assembles. */
export interface SparseMaskInit {
  readonly fingerprint: string;
  readonly d: number;
  readonly indices: Uint32Array;
  readonly gradMean?: Float32Array | undefined;
  readonly scores?: Float32Array | undefined;
}

const FINGERPRINT_PATTERN = /^[0-9a-f]{16}$/;

function bad(message: string): SparseMaskError {
  return new SparseMaskError('MASK_INVALID', message);
}

/**
 * Position of the first value a mask may not carry, or −1: NaN or ±∞ anywhere, and, when
 * `nonNegative` (scores), a value below 0 (−0 counts as 0). Shared by {@link createSparseMask}
 * and the decoder, so both accept exactly the same values.
 */
export function firstInvalidMaskValue(values: Float32Array, nonNegative: boolean): number {
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (!Number.isFinite(v) || (nonNegative && v < 0)) return j;
  }
  return -1;
}

/**
 * Validates and freezes a mask: fingerprint is 16 lowercase hex digits, 1 ≤ d ≤ 2^32−1,
 * 1 ≤ k ≤ d, indices strictly increasing and < d, optional arrays of length k, every gradMean
 * value finite, every score finite and ≥ 0.
 * Throws `MASK_INVALID` otherwise. The typed arrays are kept, not copied.
 */
export function createSparseMask(init: SparseMaskInit): SparseMask {
  const { fingerprint, d, indices, gradMean, scores } = init;
  if (typeof fingerprint !== 'string' || !FINGERPRINT_PATTERN.test(fingerprint)) {
    throw bad(
      `fingerprint must be 16 lowercase hex digits (a layout's .fingerprint), got ${String(fingerprint)}.`,
    );
  }
  if (!Number.isInteger(d) || d < 1 || d > 0xffffffff) {
    throw bad(`d must be an integer in [1, 2^32), got ${d}.`);
  }
  if (!(indices instanceof Uint32Array) || indices.length < 1 || indices.length > d) {
    throw bad(`indices must be a Uint32Array of length 1..d (${d}).`);
  }
  checkStrictlyIncreasing(indices, d);
  const k = indices.length;
  if (gradMean !== undefined && (!(gradMean instanceof Float32Array) || gradMean.length !== k)) {
    throw bad(`gradMean must be a Float32Array of length k = ${k}.`);
  }
  if (scores !== undefined && (!(scores instanceof Float32Array) || scores.length !== k)) {
    throw bad(`scores must be a Float32Array of length k = ${k}.`);
  }
  if (gradMean !== undefined) {
    const j = firstInvalidMaskValue(gradMean, false);
    if (j >= 0) {
      throw bad(
        `gradMean[${j}] = ${gradMean[j]} is not finite; ḡ must be a finite mean gradient (recalibrate from finite gradients).`,
      );
    }
  }
  if (scores !== undefined) {
    const j = firstInvalidMaskValue(scores, true);
    if (j >= 0) {
      throw bad(
        `scores[${j}] = ${scores[j]} is not a finite value >= 0; store finite non-negative scores (e.g. the Fisher diagonal or |w|).`,
      );
    }
  }
  const mask: { -readonly [K in keyof SparseMask]: SparseMask[K] } = { fingerprint, d, indices };
  if (gradMean !== undefined) mask.gradMean = gradMean;
  if (scores !== undefined) mask.scores = scores;
  return Object.freeze(mask);
}

function checkStrictlyIncreasing(indices: Uint32Array, d: number): void {
  let prev = -1;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (v <= prev) {
      throw bad(`indices must be strictly increasing: indices[${i}] = ${v} after ${prev}.`);
    }
    prev = v;
  }
  if (prev >= d) throw bad(`index ${prev} is not below d = ${d}.`);
}

/** Number of indices k of a mask. */
export function maskSize(mask: SparseMask): number {
  return mask.indices.length;
}

/**
 * Throws `MASK_LAYOUT_MISMATCH` (naming both fingerprints) unless the mask was made for this
 * layout: equal fingerprints and equal d.
 */
export function assertMaskMatchesLayout(mask: SparseMask, layout: ParameterLayout): void {
  if (mask.fingerprint !== layout.fingerprint || mask.d !== layout.size) {
    throw new SparseMaskError(
      'MASK_LAYOUT_MISMATCH',
      `This mask was made for layout ${mask.fingerprint} (d = ${mask.d}) but was applied to layout ${layout.fingerprint} (d = ${layout.size}). Recalibrate the mask for this model, or load the mask that belongs to it.`,
    );
  }
}
