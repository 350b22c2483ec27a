import type { AttentionOptions, MatmulOptions, Rotary, Tensor } from './backend.js';
import { TensorError } from './errors.js';

/**
 * Shape checks for every operation, exported so that every backend validates the same way and
 * throws the same `TensorError`s. Each returns the output shape and the sizes a kernel needs.
 */

type Shape = readonly number[];

function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

function mismatch(message: string): TensorError {
  return new TensorError('TENSOR_SHAPE_MISMATCH', message);
}

/** Element count of a valid shape; throws `TENSOR_INVALID_ARGUMENT` for a malformed one. */
export function shapeSize(shape: Shape): number {
  if (!Array.isArray(shape)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `shape must be an array, got ${String(shape)}`,
    );
  }
  let size = 1;
  for (const d of shape) {
    if (!(Number.isInteger(d) && d >= 0)) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `shape ${fmt(shape)} must hold integers >= 0`,
      );
    }
    size *= d;
  }
  return size;
}

/** `upload`: data length must equal the shape's size. */
export function checkUpload(data: Float32Array, shape: Shape): number {
  if (!(data instanceof Float32Array)) {
    throw new TensorError('TENSOR_INVALID_ARGUMENT', 'upload takes a Float32Array');
  }
  const size = shapeSize(shape);
  if (data.length !== size) {
    throw mismatch(`upload: ${data.length} values do not fill shape ${fmt(shape)} (${size})`);
  }
  return size;
}

/** `reshape`: same number of elements. */
export function checkReshape(x: Tensor, shape: Shape): void {
  const size = shapeSize(shape);
  if (size !== x.size) {
    throw mismatch(
      `reshape: cannot reshape ${fmt(x.shape)} (${x.size}) to ${fmt(shape)} (${size})`,
    );
  }
}

export interface MatmulDims {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Whether A / B has a batch dimension (rank 3); a rank-2 operand is shared. */
  readonly batchedA: boolean;
  readonly batchedB: boolean;
  readonly transposeB: boolean;
  readonly outShape: readonly number[];
}

export function matmulDims(a: Tensor, b: Tensor, options: MatmulOptions = {}): MatmulDims {
  const transposeB = options.transposeB === true;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if ((ra !== 2 && ra !== 3) || (rb !== 2 && rb !== 3)) {
    throw mismatch(
      `matmul: operands must have rank 2 or 3, got ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  }
  const m = a.shape[ra - 2]!;
  const k = a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) {
    throw mismatch(
      `matmul: inner dimensions differ: A ${fmt(a.shape)} has k=${k}, B ${fmt(b.shape)}` +
        `${transposeB ? ' (transposed)' : ''} has k=${kb}`,
    );
  }
  const batchA = ra === 3 ? a.shape[0]! : 1;
  const batchB = rb === 3 ? b.shape[0]! : 1;
  if (ra === 3 && rb === 3 && batchA !== batchB) {
    throw mismatch(`matmul: batch sizes differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const batch = ra === 3 ? batchA : batchB;
  const batched = ra === 3 || rb === 3;
  return {
    batch,
    m,
    k,
    n,
    batchedA: ra === 3,
    batchedB: rb === 3,
    transposeB,
    outShape: batched ? [batch, m, n] : [m, n],
  };
}

/** `add`/`mul`: b's shape is a's shape or a suffix of it. Returns how often b repeats. */
export function broadcastRepeats(op: string, a: Tensor, b: Tensor): number {
  const ra = a.shape.length;
  const rb = b.shape.length;
  let ok = rb <= ra;
  for (let i = 0; ok && i < rb; i++) ok = a.shape[ra - rb + i] === b.shape[i];
  if (!ok) {
    throw mismatch(
      `${op}: b ${fmt(b.shape)} must equal a ${fmt(a.shape)} or a trailing part of it`,
    );
  }
  return b.size === 0 ? 0 : a.size / b.size;
}

/** `swiglu`: equal shapes. */
export function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw mismatch(`${op}: shapes ${fmt(a.shape)} and ${fmt(b.shape)} must be equal`);
  }
}

/** A finite number, for scalars like `scale`'s factor or `rmsNorm`'s eps. */
export function checkFinite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TensorError('TENSOR_INVALID_ARGUMENT', `${op}: ${name} must be finite, got ${value}`);
  }
}

/** `rmsNorm`: x [..., h], weight [h], eps ≥ 0. Returns h. */
export function rmsNormDims(x: Tensor, weight: Tensor, eps: number): number {
  checkFinite('rmsNorm', 'eps', eps);
  if (eps < 0) throw new TensorError('TENSOR_INVALID_ARGUMENT', `rmsNorm: eps must be >= 0`);
  const h = x.shape[x.shape.length - 1];
  if (h === undefined || weight.shape.length !== 1 || weight.shape[0] !== h) {
    throw mismatch(`rmsNorm: weight ${fmt(weight.shape)} must be [h] for x ${fmt(x.shape)}`);
  }
  return h;
}

export interface RopeDims {
  readonly b: number;
  readonly s: number;
  readonly heads: number;
  readonly d: number;
  /** Tables/positions have a batch dimension (else shared by every batch row). */
  readonly perBatch: boolean;
}

/** `rope`: x [b, s, heads, d] with d even; tables [s, d/2] or [b, s, d/2]; positions s or b·s. */
export function ropeDims(x: Tensor, rotary: Rotary): RopeDims {
  if (x.shape.length !== 4) throw mismatch(`rope: x must be [b, s, heads, d], got ${fmt(x.shape)}`);
  const [b, s, heads, d] = x.shape as [number, number, number, number];
  if (d % 2 !== 0) throw mismatch(`rope: head dim d=${d} must be even`);
  let perBatch: boolean;
  if ('positions' in rotary) {
    checkFinite('rope', 'theta', rotary.theta);
    if (!(rotary.theta > 0))
      throw new TensorError('TENSOR_INVALID_ARGUMENT', 'rope: theta must be > 0');
    const n = rotary.positions.length;
    if (!(rotary.positions instanceof Uint32Array) || (n !== s && n !== b * s)) {
      throw mismatch(`rope: positions must be a Uint32Array of length s=${s} or b·s=${b * s}`);
    }
    perBatch = n !== s;
  } else {
    const c = rotary.cos.shape;
    const okShape = (t: Shape) =>
      (t.length === 2 && t[0] === s && t[1] === d / 2) ||
      (t.length === 3 && t[0] === b && t[1] === s && t[2] === d / 2);
    if (!okShape(c) || !okShape(rotary.sin.shape) || c.length !== rotary.sin.shape.length) {
      throw mismatch(
        `rope: cos ${fmt(c)} and sin ${fmt(rotary.sin.shape)} must both be [s, d/2] = [${s}, ${d / 2}] or [b, s, d/2]`,
      );
    }
    perBatch = c.length === 3;
  }
  return { b, s, heads, d, perBatch };
}

export interface AttentionDims {
  readonly b: number;
  readonly s: number;
  readonly t: number;
  readonly hq: number;
  readonly hkv: number;
  readonly d: number;
  /** hq / hkv: query heads per key/value head. */
  readonly group: number;
  readonly causal: boolean;
  readonly scale: number;
}

/** `attention`: q [b, s, hq, d]; k, v [b, t, hkv, d]; hq % hkv = 0; causal needs s ≤ t; mask [b, t]. */
export function attentionDims(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): AttentionDims {
  if (q.shape.length !== 4 || k.shape.length !== 4 || v.shape.length !== 4) {
    throw mismatch(
      `attention: q, k, v must be rank 4, got ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`,
    );
  }
  const [b, s, hq, d] = q.shape as [number, number, number, number];
  const [bk, t, hkv, dk] = k.shape as [number, number, number, number];
  checkSameShape('attention (k, v)', k, v);
  if (bk !== b || dk !== d) {
    throw mismatch(`attention: k ${fmt(k.shape)} must be [b=${b}, t, hkv, d=${d}]`);
  }
  if (hkv === 0 || hq % hkv !== 0) {
    throw mismatch(`attention: query heads ${hq} must be a multiple of key/value heads ${hkv}`);
  }
  const causal = options.causal !== false;
  if (causal && s > t) throw mismatch(`attention: causal needs s=${s} <= t=${t}`);
  if (options.mask !== undefined) {
    const m = options.mask.shape;
    if (m.length !== 2 || m[0] !== b || m[1] !== t) {
      throw mismatch(`attention: mask ${fmt(m)} must be [b, t] = [${b}, ${t}]`);
    }
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  checkFinite('attention', 'scale', scale);
  return { b, s, t, hq, hkv, d, group: hq / hkv, causal, scale };
}

/** `embedding`: table [rows, h]; every id < rows; ids.length = product of idsShape. */
export function embeddingDims(table: Tensor, ids: Uint32Array, idsShape: Shape): number {
  if (table.shape.length !== 2)
    throw mismatch(`embedding: table must be [rows, h], got ${fmt(table.shape)}`);
  if (!(ids instanceof Uint32Array)) {
    throw new TensorError('TENSOR_INVALID_ARGUMENT', 'embedding: ids must be a Uint32Array');
  }
  if (shapeSize(idsShape) !== ids.length) {
    throw mismatch(`embedding: ${ids.length} ids do not fill idsShape ${fmt(idsShape)}`);
  }
  const rows = table.shape[0]!;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! >= rows) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `embedding: id ${ids[i]} at ${i} is out of range for ${rows} rows`,
      );
    }
  }
  return table.shape[1]!;
}

/** `logSoftmax`: rank ≥ 1, last axis non-empty. Returns its length. */
export function lastAxis(op: string, x: Tensor): number {
  const v = x.shape[x.shape.length - 1];
  if (v === undefined || v === 0)
    throw mismatch(`${op}: needs a non-empty last axis, got ${fmt(x.shape)}`);
  return v;
}

/** `crossEntropy`: rows < size/V, targets < V, equal lengths. Returns V. */
export function crossEntropyDims(logits: Tensor, rows: Uint32Array, targets: Uint32Array): number {
  const v = lastAxis('crossEntropy', logits);
  if (!(rows instanceof Uint32Array) || !(targets instanceof Uint32Array)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      'crossEntropy: rows and targets must be Uint32Arrays',
    );
  }
  if (rows.length !== targets.length) {
    throw mismatch(`crossEntropy: ${rows.length} rows but ${targets.length} targets`);
  }
  const nRows = logits.size / v;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]! >= nRows || targets[i]! >= v) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `crossEntropy: pair ${i} (row ${rows[i]}, target ${targets[i]}) is out of range for ${nRows} rows of ${v} logits`,
      );
    }
  }
  return v;
}

/**
 * `scatterUpdate`: indices distinct and < size, one value each. O(n + size/32) with a bitset when
 * the indices are many (a full-parameter write), else O(n log n) on a sorted copy; a backend may
 * skip it for an index array it has already checked and that the caller promises not to change.
 */
export function checkScatterIndices(
  size: number,
  flatIndices: Uint32Array,
  values: Float32Array,
): void {
  if (!(flatIndices instanceof Uint32Array) || !(values instanceof Float32Array)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      'scatterUpdate: flatIndices must be a Uint32Array and values a Float32Array',
    );
  }
  if (flatIndices.length !== values.length) {
    throw mismatch(`scatterUpdate: ${flatIndices.length} indices but ${values.length} values`);
  }
  const outOfRange = (index: number) =>
    new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `scatterUpdate: index ${index} is out of range for a weight of ${size} elements`,
    );
  const twice = (index: number) =>
    new TensorError('TENSOR_INVALID_ARGUMENT', `scatterUpdate: index ${index} appears twice`);
  const n = flatIndices.length;
  // Many indices (a dense or full-parameter write): one pass over a bitset of the weight, O(n +
  // size/32). Few indices of a large weight: sort a copy, O(n log n).
  if (n * Math.log2(n + 1) >= size / 32) {
    const seen = new Uint32Array(Math.ceil(size / 32));
    for (let i = 0; i < n; i++) {
      const index = flatIndices[i]!;
      if (index >= size) throw outOfRange(index);
      const word = index >>> 5;
      const bit = 1 << (index & 31);
      if ((seen[word]! & bit) !== 0) throw twice(index);
      seen[word] = seen[word]! | bit;
    }
    return;
  }
  const sorted = flatIndices.slice().sort();
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]! >= size) throw outOfRange(sorted[i]!);
    if (i > 0 && sorted[i] === sorted[i - 1]) throw twice(sorted[i]!);
  }
}
