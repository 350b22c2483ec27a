import type { ParameterLayout } from './layout.js';
import { type MaskSize, resolveMaskSize } from './mask-size.js';
import { type SelectionScope, selectMaskIndices } from './select-mask.js';
import { createSparseMask, type SparseMask } from './sparse-mask.js';
import { checkFinite, checkLayoutVector, type LayoutVector } from './vectors.js';
import { Xoshiro128 } from './xoshiro128.js';

/**
 * k distinct flat indices drawn uniformly from [0, d) (all k-subsets equally likely), sorted.
 * Robert Floyd's sampling over xoshiro128** seeded with `seed`; when k > d/2 the d − k excluded
 * indices are drawn instead. Deterministic across platforms for a given (d, k, seed).
 */
export function sampleUniformIndices(d: number, k: number, seed: bigint): Uint32Array {
  const rng = new Xoshiro128(seed);
  const complement = k > d - k;
  const m = complement ? d - k : k;
  const chosen = new Set<number>();
  for (let j = d - m; j < d; j++) {
    const t = rng.nextBelow(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  if (!complement) return Uint32Array.from(chosen).sort();
  const out = new Uint32Array(k);
  let n = 0;
  for (let i = 0; i < d; i++) if (!chosen.has(i)) out[n++] = i;
  return out;
}

/** The random-mask baseline: k = size indices uniform without replacement, reproducible by seed. */
export function randomMask(layout: ParameterLayout, size: MaskSize, seed: bigint): SparseMask {
  const k = resolveMaskSize(size, layout.size);
  const indices = sampleUniformIndices(layout.size, k, seed);
  return createSparseMask({ fingerprint: layout.fingerprint, d: layout.size, indices });
}

/** Options of {@link magnitudeMask} and {@link topKMask}. */
export interface TopKMaskOptions {
  /** 'global' (default) or 'per-tensor'. */
  readonly scope?: SelectionScope;
  /** Store the ranked value at the mask as `scores` (default true). */
  readonly includeScores?: boolean;
}

/** The weight-magnitude baseline: top-k |w| (ties to the lower index); `scores` holds |w|. */
export function magnitudeMask(
  layout: ParameterLayout,
  weights: LayoutVector,
  size: MaskSize,
  options: TopKMaskOptions = {},
): SparseMask {
  return rankedMask(layout, weights, size, options, true, 'weights');
}

/** A mask of the top-k of arbitrary non-negative scores given per parameter (flat or per tensor). */
export function topKMask(
  layout: ParameterLayout,
  scores: LayoutVector,
  size: MaskSize,
  options: TopKMaskOptions = {},
): SparseMask {
  return rankedMask(layout, scores, size, options, false, 'scores');
}

function rankedMask(
  layout: ParameterLayout,
  vector: LayoutVector,
  size: MaskSize,
  options: TopKMaskOptions,
  abs: boolean,
  what: string,
): SparseMask {
  const parts = checkLayoutVector(layout, vector, what);
  checkFinite(layout, parts, what);
  const flat = parts.length === 1 ? parts[0]! : concat(parts, layout.size);
  const k = resolveMaskSize(size, layout.size);
  const indices = selectMaskIndices(layout, flat, k, options.scope ?? 'global', abs);
  let scores: Float32Array | undefined;
  if (options.includeScores !== false) {
    scores = new Float32Array(k);
    for (let j = 0; j < k; j++) scores[j] = Math.abs(flat[indices[j]!]!);
  }
  return createSparseMask({ fingerprint: layout.fingerprint, d: layout.size, indices, scores });
}

function concat(parts: readonly Float32Array[], d: number): Float32Array {
  const out = new Float32Array(d);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
