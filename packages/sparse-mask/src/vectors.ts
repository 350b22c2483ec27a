import { SparseMaskError } from './errors.js';
import type { ParameterLayout } from './layout.js';

/** One Float32Array per tensor, keyed by tensor name; lengths equal the tensors' sizes. */
export type TensorMap = Readonly<Record<string, Float32Array>>;

/** A full parameter-sized vector: flat (length d) or per tensor. */
export type LayoutVector = Float32Array | TensorMap;

/**
 * Checks that `vector` matches the layout: a flat Float32Array of length d, or a map with
 * exactly the layout's tensor names and lengths. Throws `GRADIENT_SHAPE_MISMATCH`.
 * Returns the per-tensor arrays in layout order (a single-element list for a flat vector).
 */
export function checkLayoutVector(
  layout: ParameterLayout,
  vector: LayoutVector,
  what: string,
): Float32Array[] {
  if (vector instanceof Float32Array) {
    if (vector.length !== layout.size) {
      throw new SparseMaskError(
        'GRADIENT_SHAPE_MISMATCH',
        `${what} has length ${vector.length} but layout ${layout.fingerprint} has d = ${layout.size}.`,
      );
    }
    return [vector];
  }
  if (vector === null || typeof vector !== 'object' || ArrayBuffer.isView(vector)) {
    throw new SparseMaskError(
      'GRADIENT_SHAPE_MISMATCH',
      `${what} must be a Float32Array of length d or a { [tensorName]: Float32Array } map.`,
    );
  }
  const parts: Float32Array[] = [];
  for (const t of layout.tensors) {
    const part = vector[t.name];
    if (part === undefined) {
      throw new SparseMaskError(
        'GRADIENT_SHAPE_MISMATCH',
        `${what} is missing tensor "${t.name}".`,
      );
    }
    if (!(part instanceof Float32Array) || part.length !== t.size) {
      throw new SparseMaskError(
        'GRADIENT_SHAPE_MISMATCH',
        `${what}["${t.name}"] must be a Float32Array of length ${t.size} (shape [${t.shape.join(', ')}]), got ${part instanceof Float32Array ? `length ${part.length}` : typeof part}.`,
      );
    }
    parts.push(part);
  }
  const keys = Object.keys(vector);
  if (keys.length !== layout.tensors.length) {
    const extra = keys.filter((key) => !layout.has(key));
    throw new SparseMaskError(
      'GRADIENT_SHAPE_MISMATCH',
      `${what} has tensors that are not in the layout: ${extra.slice(0, 8).join(', ')}.`,
    );
  }
  return parts;
}

/** Throws `GRADIENT_NON_FINITE` at the first NaN/±Infinity in `parts` (layout order). */
export function checkFinite(
  layout: ParameterLayout,
  parts: readonly Float32Array[],
  what: string,
): void {
  for (let p = 0; p < parts.length; p++) {
    const a = parts[p]!;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v - v !== 0) {
        const flat = parts.length === 1 ? i : layout.tensors[p]!.offset + i;
        const { tensor, localIndex } = layout.locate(flat);
        throw new SparseMaskError(
          'GRADIENT_NON_FINITE',
          `${what} holds ${v} at flat index ${flat} (tensor "${tensor.name}", local index ${localIndex}); drop or clip this batch before passing it.`,
        );
      }
    }
  }
}
