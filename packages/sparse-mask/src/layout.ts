import { fnv1a64Hex } from '@meerkat/seeded';
import { SparseMaskError } from './errors.js';

/** The largest total size a layout may have: flat indices must fit a Uint32Array. */
export const MAX_LAYOUT_SIZE = 0xffffffff;

/** Domain tag hashed in front of every layout description (fingerprint definition v1). */
export const LAYOUT_FINGERPRINT_TAG = 'meerkat/layout/v1';

/** What a caller describes: one named tensor and its shape. A rank-0 shape `[]` is a scalar. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** One tensor of a layout, with its place in the flat parameter vector. */
export interface LayoutTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Position of the tensor in the canonical order. */
  readonly position: number;
  /** Flat index of the tensor's first element. */
  readonly offset: number;
  /** Number of elements (product of the shape; 1 for a scalar). */
  readonly size: number;
}

/** Where a flat index lands: the tensor and the row-major index inside it. */
export interface FlatLocation {
  readonly tensor: LayoutTensor;
  readonly localIndex: number;
}

const utf8 = new TextEncoder();

function invalid(message: string): SparseMaskError {
  return new SparseMaskError('LAYOUT_INVALID', message);
}

/**
 * The canonical bytes hashed by the fingerprint (see README, "Layout fingerprint"):
 * utf8(LAYOUT_FINGERPRINT_TAG), u32 tensor count, then per tensor u32 name byte length,
 * the UTF-8 name, u32 rank and rank × u32 dims; all integers little-endian.
 */
export function layoutFingerprintBytes(specs: readonly TensorSpec[]): Uint8Array {
  const tag = utf8.encode(LAYOUT_FINGERPRINT_TAG);
  const names = specs.map((s) => utf8.encode(s.name));
  let length = tag.length + 4;
  for (let t = 0; t < specs.length; t++)
    length += 8 + names[t]!.length + 4 * specs[t]!.shape.length;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set(tag, 0);
  let p = tag.length;
  view.setUint32(p, specs.length, true);
  p += 4;
  for (let t = 0; t < specs.length; t++) {
    const name = names[t]!;
    view.setUint32(p, name.length, true);
    p += 4;
    bytes.set(name, p);
    p += name.length;
    const shape = specs[t]!.shape;
    view.setUint32(p, shape.length, true);
    p += 4;
    for (const dim of shape) {
      view.setUint32(p, dim, true);
      p += 4;
    }
  }
  return bytes;
}

/**
 * Named tensors in a canonical order with cumulative flat offsets, total size `size` (d) and a
 * fingerprint (FNV-1a 64 of {@link layoutFingerprintBytes}, 16 lowercase hex digits).
 * Build one with {@link createLayout}.
 */
export class ParameterLayout {
  readonly tensors: readonly LayoutTensor[];
  /** Total number of parameters d. */
  readonly size: number;
  /** 16 lowercase hex digits; equal layouts (names, shapes, order) have equal fingerprints. */
  readonly fingerprint: string;
  private readonly byName: ReadonlyMap<string, LayoutTensor>;
  private readonly offsets: Float64Array;

  private constructor(tensors: LayoutTensor[], fingerprint: string) {
    this.tensors = Object.freeze(tensors);
    const last = tensors[tensors.length - 1]!;
    this.size = last.offset + last.size;
    this.fingerprint = fingerprint;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
    this.offsets = Float64Array.from(tensors, (t) => t.offset);
  }

  /** Validates `specs` and builds the layout; throws `LAYOUT_INVALID` on bad input. */
  static from(specs: readonly TensorSpec[]): ParameterLayout {
    if (!Array.isArray(specs) || specs.length === 0) {
      throw invalid('A layout needs at least one tensor: pass [{ name, shape }, ...].');
    }
    const seen = new Set<string>();
    const tensors: LayoutTensor[] = [];
    let offset = 0;
    for (let position = 0; position < specs.length; position++) {
      const spec = specs[position]!;
      const name = spec?.name;
      if (typeof name !== 'string' || name.length === 0) {
        throw invalid(`Tensor #${position} needs a non-empty string name, got ${String(name)}.`);
      }
      if (seen.has(name)) {
        throw invalid(
          `Duplicate tensor name "${name}" (position ${position}); names must be unique.`,
        );
      }
      seen.add(name);
      if (!Array.isArray(spec.shape)) {
        throw invalid(`Tensor "${name}" needs a shape array (use [] for a scalar).`);
      }
      let size = 1;
      for (const dim of spec.shape) {
        if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) {
          throw invalid(
            `Tensor "${name}" has dim ${String(dim)} in shape [${spec.shape.join(', ')}]; every dim must be a positive integer.`,
          );
        }
        size *= dim;
        if (size > MAX_LAYOUT_SIZE) break;
      }
      if (offset + size > MAX_LAYOUT_SIZE) {
        throw invalid(
          `The layout holds more than ${MAX_LAYOUT_SIZE} parameters at tensor "${name}"; flat indices must fit 32 bits. Split the model into several layouts.`,
        );
      }
      tensors.push(
        Object.freeze({ name, shape: Object.freeze([...spec.shape]), position, offset, size }),
      );
      offset += size;
    }
    return new ParameterLayout(tensors, fnv1a64Hex(layoutFingerprintBytes(tensors)));
  }

  /** Whether a tensor of that name exists. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The tensor called `name`; throws `LAYOUT_UNKNOWN_TENSOR` if there is none. */
  tensor(name: string): LayoutTensor {
    const t = this.byName.get(name);
    if (t === undefined) {
      throw new SparseMaskError(
        'LAYOUT_UNKNOWN_TENSOR',
        `No tensor "${name}" in layout ${this.fingerprint}; known tensors: ${this.tensors
          .slice(0, 8)
          .map((x) => x.name)
          .join(', ')}${this.tensors.length > 8 ? ', ...' : ''}.`,
      );
    }
    return t;
  }

  /** Flat index → (tensor, row-major local index), by binary search over the offsets. */
  locate(flatIndex: number): FlatLocation {
    if (!Number.isInteger(flatIndex) || flatIndex < 0 || flatIndex >= this.size) {
      throw new SparseMaskError(
        'LAYOUT_INDEX_OUT_OF_RANGE',
        `Flat index ${flatIndex} is outside [0, ${this.size}) of layout ${this.fingerprint}.`,
      );
    }
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid]! <= flatIndex) lo = mid;
      else hi = mid - 1;
    }
    const tensor = this.tensors[lo]!;
    return { tensor, localIndex: flatIndex - tensor.offset };
  }

  /** (tensor name, row-major local index) → flat index. */
  flatIndex(name: string, localIndex: number): number {
    const t = this.tensor(name);
    if (!Number.isInteger(localIndex) || localIndex < 0 || localIndex >= t.size) {
      throw new SparseMaskError(
        'LAYOUT_INDEX_OUT_OF_RANGE',
        `Local index ${localIndex} is outside [0, ${t.size}) of tensor "${name}".`,
      );
    }
    return t.offset + localIndex;
  }
}

/** Builds a {@link ParameterLayout} from tensors in the caller's canonical order. */
export function createLayout(specs: readonly TensorSpec[]): ParameterLayout {
  return ParameterLayout.from(specs);
}
