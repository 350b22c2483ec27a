import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';
import { assertMaskMatchesLayout, type SparseMask } from './sparse-mask.js';
import { checkLayoutVector, type LayoutVector } from './vectors.js';

/**
 * Calls visit(part, localIndex, j) for each mask index j, walking tensors in layout order
 * (indices are sorted, so each tensor's indices are contiguous). O(k + number of tensors).
 */
function forEachMasked(
  layout: ParameterLayout,
  parts: readonly Float32Array[],
  indices: Uint32Array,
  visit: (part: Float32Array, local: number, j: number) => void,
): void {
  if (parts.length === 1) {
    const flat = parts[0]!;
    for (let j = 0; j < indices.length; j++) visit(flat, indices[j]!, j);
    return;
  }
  let t = 0;
  let tensor = layout.tensors[0]!;
  for (let j = 0; j < indices.length; j++) {
    const index = indices[j]!;
    while (index >= tensor.offset + tensor.size) tensor = layout.tensors[++t]!;
    visit(parts[t]!, index - tensor.offset, j);
  }
}

function checkValues(values: Float32Array, k: number, what: string): void {
  if (!(values instanceof Float32Array) || values.length !== k) {
    throw new SparseMaskError(
      'GRADIENT_SHAPE_MISMATCH',
      `${what} must be a Float32Array of length k = ${k}, got ${values instanceof Float32Array ? `length ${values.length}` : typeof values}.`,
    );
  }
}

/**
 * Values of `source` (flat length d, or per-tensor map) at the mask indices, in index order,
 * into `out` (length k) or a new Float32Array. Checks the mask against the layout first.
 */
export function gatherMasked(
  mask: SparseMask,
  layout: ParameterLayout,
  source: LayoutVector,
  out?: Float32Array,
): Float32Array {
  assertMaskMatchesLayout(mask, layout);
  const parts = checkLayoutVector(layout, source, 'source');
  const k = mask.indices.length;
  const result = out ?? new Float32Array(k);
  checkValues(result, k, 'out');
  forEachMasked(layout, parts, mask.indices, (part, local, j) => {
    result[j] = part[local]!;
  });
  return result;
}

/**
 * Writes `values` (length k, index order) into `target` (flat length d, or per-tensor map) at
 * the mask indices; everything else in `target` is left as it was. Returns `target`.
 */
export function scatterMasked<T extends LayoutVector>(
  mask: SparseMask,
  layout: ParameterLayout,
  values: Float32Array,
  target: T,
): T {
  assertMaskMatchesLayout(mask, layout);
  const parts = checkLayoutVector(layout, target, 'target');
  checkValues(values, mask.indices.length, 'values');
  forEachMasked(layout, parts, mask.indices, (part, local, j) => {
    part[local] = values[j]!;
  });
  return target;
}
