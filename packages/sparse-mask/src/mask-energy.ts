import { sampleUniformIndices } from './baselines.js';
import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';
import { assertMaskMatchesLayout, type SparseMask } from './sparse-mask.js';
import { checkFinite, checkLayoutVector, type LayoutVector } from './vectors.js';

/** How much of a gradient's squared norm a mask captures, next to random masks of equal k. */
export interface MaskEnergy {
  /** Σ_{i∈M} g_i² / Σ_i g_i². */
  readonly fraction: number;
  /** The same for one uniform random mask of equal k drawn with `randomSeed`. */
  readonly randomFraction: number;
  /** k / d: the expected fraction of a uniform random mask of equal k. */
  readonly expectedRandomFraction: number;
  /** fraction / expectedRandomFraction (e.g. "141× more than random"). */
  readonly ratioToRandom: number;
  readonly k: number;
  readonly d: number;
}

/** Options of {@link maskEnergy}. */
export interface MaskEnergyOptions {
  /** Seed of the random comparison mask (default 0n). */
  readonly randomSeed?: bigint;
}

/**
 * The fraction of ‖g‖² that lies on the mask, plus the same for a random mask of equal k and
 * the k/d expectation (DESIGN.md §6 asks for this figure for every calibrated mask). Float64
 * sums. Throws `GRADIENT_NON_FINITE` for NaN/∞ and `MASK_INVALID_ARGUMENT` when g = 0.
 */
export function maskEnergy(
  mask: SparseMask,
  layout: ParameterLayout,
  gradient: LayoutVector,
  options: MaskEnergyOptions = {},
): MaskEnergy {
  assertMaskMatchesLayout(mask, layout);
  const parts = checkLayoutVector(layout, gradient, 'gradient');
  checkFinite(layout, parts, 'gradient');
  const at = flatReader(parts, layout);
  let total = 0;
  for (const part of parts) for (let i = 0; i < part.length; i++) total += part[i]! * part[i]!;
  if (!(total > 0)) {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      'The gradient is all zeros; its mask energy is undefined.',
    );
  }
  const energyOf = (indices: Uint32Array): number => {
    let s = 0;
    for (let j = 0; j < indices.length; j++) {
      const g = at(indices[j]!);
      s += g * g;
    }
    return s / total;
  };
  const k = mask.indices.length;
  const d = layout.size;
  const fraction = energyOf(mask.indices);
  const randomFraction = energyOf(sampleUniformIndices(d, k, options.randomSeed ?? 0n));
  const expectedRandomFraction = k / d;
  return {
    fraction,
    randomFraction,
    expectedRandomFraction,
    ratioToRandom: fraction / expectedRandomFraction,
    k,
    d,
  };
}

function flatReader(
  parts: readonly Float32Array[],
  layout: ParameterLayout,
): (index: number) => number {
  if (parts.length === 1) {
    const flat = parts[0]!;
    return (index) => flat[index]!;
  }
  return (index) => {
    const { tensor, localIndex } = layout.locate(index);
    return parts[tensor.position]![localIndex]!;
  };
}
