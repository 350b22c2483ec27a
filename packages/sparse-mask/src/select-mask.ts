import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';
import { apportionK } from './mask-size.js';
import { selectTopK, selectTopKOfMeans } from './top-k.js';

/** 'global': one top-k over all d parameters; 'per-tensor': k apportioned by tensor size. */
export type SelectionScope = 'global' | 'per-tensor';

/** Scores as an array, or as float64 sums ranked by the float32-rounded value sums[i] / divisor. */
export type ScoreInput =
  | Float32Array
  | Float64Array
  | { readonly sums: Float64Array; readonly divisor: number };

/**
 * Top-k flat indices (sorted) of `scores` over the layout, globally or per tensor. Per tensor,
 * k is split with {@link apportionK} and each tensor's share is selected inside its own range.
 */
export function selectMaskIndices(
  layout: ParameterLayout,
  scores: ScoreInput,
  k: number,
  scope: SelectionScope,
  abs = false,
): Uint32Array {
  const length =
    scores instanceof Float32Array || scores instanceof Float64Array
      ? scores.length
      : scores.sums.length;
  if (length !== layout.size) {
    throw new SparseMaskError(
      'GRADIENT_SHAPE_MISMATCH',
      `scores have length ${length} but layout ${layout.fingerprint} has d = ${layout.size}.`,
    );
  }
  const range = (kPart: number, start: number, end: number): Uint32Array =>
    scores instanceof Float32Array || scores instanceof Float64Array
      ? selectTopK(scores, kPart, { abs, start, end })
      : selectTopKOfMeans(scores.sums, scores.divisor, kPart, start, end);
  if (scope === 'global') return range(k, 0, layout.size);
  if (scope !== 'per-tensor') {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      `scope must be 'global' or 'per-tensor', got ${String(scope)}.`,
    );
  }
  const parts = apportionK(
    k,
    layout.tensors.map((t) => t.size),
  );
  const out = new Uint32Array(k);
  let n = 0;
  layout.tensors.forEach((t, position) => {
    const kPart = parts[position]!;
    if (kPart === 0) return;
    out.set(range(kPart, t.offset, t.offset + t.size), n);
    n += kPart;
  });
  return out;
}
