import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';
import { type MaskSize, resolveMaskSize } from './mask-size.js';
import { type SelectionScope, selectMaskIndices } from './select-mask.js';
import { assertMaskMatchesLayout, createSparseMask, type SparseMask } from './sparse-mask.js';
import { checkFinite, checkLayoutVector, type LayoutVector } from './vectors.js';

/** Options of {@link MaskCalibrator.select}. */
export interface CalibrationSelectOptions {
  /** k or density of the mask. */
  readonly size: MaskSize;
  /** 'global' (default): top-k over all parameters; 'per-tensor': k apportioned by tensor size. */
  readonly scope?: SelectionScope;
  /** Store ḡ_pre at the mask as `gradMean` (default true; GradIP needs it). */
  readonly includeGradMean?: boolean;
  /** Store F at the mask as `scores` (default true). */
  readonly includeScores?: boolean;
}

/**
 * Accumulates, over a stream of gradient batches, the empirical Fisher diagonal
 * F_i = mean_b g_i² and the signed mean gradient ḡ_i = mean_b g_i, then selects the top-k mask.
 *
 * Accumulators are two Float64Arrays of length d (plain float64 sums, 16·d bytes): a float32 g
 * squared is exact in float64, and n float64 additions carry a relative error ≤ n·2^−53, which
 * stays far below float32 resolution (2^−24) of the stored scores for any practical n, so
 * Kahan summation would double the memory for no visible gain.
 */
export class MaskCalibrator {
  readonly layout: ParameterLayout;
  private readonly sumSq: Float64Array;
  private readonly sum: Float64Array;
  private count = 0;

  constructor(layout: ParameterLayout) {
    this.layout = layout;
    this.sumSq = new Float64Array(layout.size);
    this.sum = new Float64Array(layout.size);
  }

  /** Number of batches accumulated so far. */
  get batchCount(): number {
    return this.count;
  }

  /**
   * Adds one batch gradient: a flat Float32Array of length d or a `{ [tensorName]: Float32Array }`
   * map. Validated before anything is accumulated (`GRADIENT_SHAPE_MISMATCH`,
   * `GRADIENT_NON_FINITE`), so a rejected batch leaves the calibrator unchanged.
   */
  addBatch(gradient: LayoutVector): void {
    const parts = checkLayoutVector(this.layout, gradient, 'gradient');
    checkFinite(this.layout, parts, 'gradient');
    const sumSq = this.sumSq;
    const sum = this.sum;
    let offset = 0;
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) {
        const g = part[i]!;
        sum[offset + i]! += g;
        sumSq[offset + i]! += g * g;
      }
      offset += part.length;
    }
    this.count++;
  }

  /** A fresh Float64Array with F_i = mean_b g_i² (the empirical Fisher diagonal). */
  fisher(): Float64Array {
    return this.means(this.sumSq);
  }

  /** A fresh Float64Array with ḡ_i = mean_b g_i (the signed mean gradient). */
  meanGradient(): Float64Array {
    return this.means(this.sum);
  }

  /** Forgets every batch. */
  reset(): void {
    this.sumSq.fill(0);
    this.sum.fill(0);
    this.count = 0;
  }

  /**
   * Selects the top-k of F (rounded to float32; ties to the lower flat index), globally or per
   * tensor, and returns the mask with ḡ and F at the mask (float32, index order).
   */
  select(options: CalibrationSelectOptions): SparseMask {
    if (this.count === 0) {
      throw new SparseMaskError(
        'CALIBRATOR_EMPTY',
        'The calibrator has seen no gradient batch; call addBatch() at least once before select().',
      );
    }
    const n = this.count;
    const k = resolveMaskSize(options.size, this.layout.size);
    const indices = selectMaskIndices(
      this.layout,
      { sums: this.sumSq, divisor: n },
      k,
      options.scope ?? 'global',
    );
    let gradMean: Float32Array | undefined;
    let scores: Float32Array | undefined;
    if (options.includeGradMean !== false) {
      gradMean = new Float32Array(k);
      for (let j = 0; j < k; j++) gradMean[j] = this.sum[indices[j]!]! / n;
    }
    if (options.includeScores !== false) {
      scores = new Float32Array(k);
      for (let j = 0; j < k; j++) {
        scores[j] = this.sumSq[indices[j]!]! / n;
        if (scores[j] === Number.POSITIVE_INFINITY) {
          throw new SparseMaskError(
            'GRADIENT_NON_FINITE',
            `The Fisher score of parameter ${indices[j]} (mean g² = ${this.sumSq[indices[j]!]! / n}) overflows float32: the gradients are too large (|g| > 1.8e19). Rescale the loss or gradients, or select with includeScores: false.`,
          );
        }
      }
    }
    const mask = createSparseMask({
      fingerprint: this.layout.fingerprint,
      d: this.layout.size,
      indices,
      gradMean,
      scores,
    });
    assertMaskMatchesLayout(mask, this.layout);
    return mask;
  }

  private means(sums: Float64Array): Float64Array {
    const out = new Float64Array(sums.length);
    const n = this.count;
    if (n === 0) return out;
    for (let i = 0; i < sums.length; i++) out[i] = sums[i]! / n;
    return out;
  }
}
