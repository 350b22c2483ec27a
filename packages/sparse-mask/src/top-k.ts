import { SparseMaskError } from './errors.js';

/**
 * Exact top-k selection by radix select on float32 bit patterns, without sorting d values.
 *
 * For a non-negative float32 the uint32 bit pattern orders like the value, so the pattern is the
 * key. Pass 1 builds a histogram of the top 16 key bits and finds the threshold bucket. Pass 2
 * collects every index above the bucket (fewer than k) and histograms the low 16 bits inside the
 * bucket, which fixes the exact 32-bit threshold key T; bucket members are also buffered when the
 * bucket holds at most max(4k, 65536) elements. The members with key > T, and the first ones (in
 * index order) with key == T, complete the k; they come from the buffer or from a third pass.
 * Memory beyond the scores: two 65536-bin histograms and O(k) index buffers.
 *
 * Float64 scores are rounded to float32 (chunk by chunk, no full copy) and ranked as float32:
 * values that round to the same float32 are ties. Ties always go to the lower flat index.
 */

const BINS = 65536;
const CHUNK = 65536;
const POSITIVE_INFINITY_BITS = 0x7f800000;
const NEGATIVE_ZERO_BITS = 0x80000000 | 0;

/** Options of {@link selectTopK}. */
export interface TopKOptions {
  /** Rank by |score| instead of score (negative scores allowed); used by magnitude masks. */
  readonly abs?: boolean;
  /** First flat index of the range to select from (default 0). Returned indices are absolute. */
  readonly start?: number;
  /** End (exclusive) of the range (default scores.length). */
  readonly end?: number;
}

/** Float32 score source, possibly a rounded view of float64 values divided by `divisor`. */
interface Source {
  readonly f32: Float32Array | null;
  readonly f64: Float64Array | null;
  readonly divisor: number;
  readonly signMask: number;
}

function slowKey(raw: number, flat: number, signMask: number): number {
  if (signMask === -1 && raw === NEGATIVE_ZERO_BITS) return 0;
  const magnitude = raw & 0x7fffffff;
  if (magnitude > POSITIVE_INFINITY_BITS) {
    throw new SparseMaskError(
      'SCORES_INVALID',
      `Score at flat index ${flat} is NaN; scores must be non-negative numbers (check the gradients for NaN).`,
    );
  }
  throw new SparseMaskError(
    'SCORES_INVALID',
    `Score at flat index ${flat} is negative; scores must be >= 0 (pass { abs: true } to rank by magnitude).`,
  );
}

/** Calls `visit(bits, base)` over [start, end) in chunks of float32 bit patterns. */
function forEachChunk(
  src: Source,
  start: number,
  end: number,
  visit: (bits: Uint32Array, base: number) => void,
): void {
  if (src.f32 !== null) {
    const f = src.f32;
    visit(new Uint32Array(f.buffer, f.byteOffset + 4 * start, end - start), start);
    return;
  }
  const f64 = src.f64!;
  const scratch = new Float32Array(Math.min(CHUNK, end - start));
  const bits = new Uint32Array(scratch.buffer);
  const divisor = src.divisor;
  for (let base = start; base < end; base += CHUNK) {
    const n = Math.min(CHUNK, end - base);
    if (divisor === 1) scratch.set(f64.subarray(base, base + n));
    else for (let i = 0; i < n; i++) scratch[i] = f64[base + i]! / divisor;
    visit(n === bits.length ? bits : bits.subarray(0, n), base);
  }
}

function keyAt(src: Source, flat: number, scratch: Float32Array, scratchBits: Uint32Array): number {
  scratch[0] = src.f32 !== null ? src.f32[flat]! : src.f64![flat]! / src.divisor;
  let key = scratchBits[0]! & src.signMask;
  if (key < 0 || key > POSITIVE_INFINITY_BITS) key = slowKey(key, flat, src.signMask);
  return key;
}

function histogramHigh(bits: Uint32Array, base: number, signMask: number, hist: Uint32Array): void {
  for (let i = 0; i < bits.length; i++) {
    let key = bits[i]! & signMask;
    if (key < 0 || key > POSITIVE_INFINITY_BITS) key = slowKey(key, base + i, signMask);
    hist[key >>> 16]!++;
  }
}

/** Bin b such that (count above b) < need <= (count above b) + hist[b]; returns [b, above]. */
function thresholdBin(hist: Uint32Array, need: number): [bin: number, above: number] {
  let above = 0;
  for (let b = BINS - 1; b >= 0; b--) {
    const c = hist[b]!;
    if (above + c >= need) return [b, above];
    above += c;
  }
  throw new Error('unreachable: need exceeds the histogram total');
}

function validateRange(length: number, k: number, options: TopKOptions): [number, number] {
  const start = options.start ?? 0;
  const end = options.end ?? length;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > length ||
    start >= end
  ) {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      `Range [${start}, ${end}) must be a non-empty integer range inside [0, ${length}).`,
    );
  }
  if (end - start > 0xffffffff) {
    throw new SparseMaskError('MASK_INVALID_ARGUMENT', 'At most 2^32 − 1 scores can be ranked.');
  }
  if (!Number.isInteger(k) || k < 1 || k > end - start) {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      `k must be an integer in [1, ${end - start}] (the range size), got ${k}.`,
    );
  }
  return [start, end];
}

/**
 * Indices of the k largest scores in [start, end), sorted ascending; ties go to the lower index.
 * Scores must be ≥ 0 (−0 counts as 0) unless `abs` is set; NaN or a negative score throws
 * `SCORES_INVALID`. Float64 scores are ranked after rounding to float32.
 */
export function selectTopK(
  scores: Float32Array | Float64Array,
  k: number,
  options: TopKOptions = {},
): Uint32Array {
  if (!(scores instanceof Float32Array) && !(scores instanceof Float64Array)) {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      'scores must be a Float32Array or Float64Array.',
    );
  }
  const [start, end] = validateRange(scores.length, k, options);
  return selectTopKFromSource(makeSource(scores, 1, options.abs === true), k, start, end);
}

/** Top-k of the float32-rounded quotients sums[i] / divisor (e.g. Fisher sums over n batches). */
export function selectTopKOfMeans(
  sums: Float64Array,
  divisor: number,
  k: number,
  start: number,
  end: number,
): Uint32Array {
  validateRange(sums.length, k, { start, end });
  return selectTopKFromSource(makeSource(sums, divisor, false), k, start, end);
}

function makeSource(scores: Float32Array | Float64Array, divisor: number, abs: boolean): Source {
  const signMask = abs ? 0x7fffffff : -1;
  return scores instanceof Float32Array
    ? { f32: scores, f64: null, divisor: 1, signMask }
    : { f32: null, f64: scores, divisor, signMask };
}

function selectTopKFromSource(src: Source, k: number, start: number, end: number): Uint32Array {
  const signMask = src.signMask;
  // Pass 1: histogram of the top 16 key bits.
  const hist1 = new Uint32Array(BINS);
  forEachChunk(src, start, end, (bits, base) => histogramHigh(bits, base, signMask, hist1));
  const [t1, above1] = thresholdBin(hist1, k);
  const need1 = k - above1;
  const bucketCount = hist1[t1]!;

  if (need1 === bucketCount) {
    // The whole threshold bucket is taken: one pass collects every key >= t1 << 16, in order.
    const out = new Uint32Array(k);
    let n = 0;
    forEachChunk(src, start, end, (bits, base) => {
      for (let i = 0; i < bits.length; i++) {
        let key = bits[i]! & signMask;
        if (key < 0) key = slowKey(key, base + i, signMask);
        if (key >>> 16 >= t1) out[n++] = base + i;
      }
    });
    return out;
  }

  // Pass 2: indices above the bucket; low-16 histogram inside it; buffer the bucket if small.
  const above = new Uint32Array(above1);
  const hist2 = new Uint32Array(BINS);
  const bucket = bucketCount <= Math.max(4 * k, BINS) ? new Uint32Array(bucketCount) : null;
  let nAbove = 0;
  let nBucket = 0;
  forEachChunk(src, start, end, (bits, base) => {
    let a = nAbove;
    let b = nBucket;
    for (let i = 0; i < bits.length; i++) {
      let key = bits[i]! & signMask;
      if (key < 0) key = slowKey(key, base + i, signMask);
      const high = key >>> 16;
      if (high > t1) above[a++] = base + i;
      else if (high === t1) {
        hist2[key & 0xffff]!++;
        if (bucket !== null) bucket[b++] = base + i;
      }
    }
    nAbove = a;
    nBucket = b;
  });
  const [t2, above2] = thresholdBin(hist2, need1);
  let tiesLeft = need1 - above2;

  // Resolve the bucket: low > t2, then the first `tiesLeft` with low == t2 (index order).
  const picks = new Uint32Array(need1);
  let nPicks = 0;
  if (bucket !== null) {
    const scratch = new Float32Array(1);
    const scratchBits = new Uint32Array(scratch.buffer);
    for (let j = 0; j < bucket.length; j++) {
      const flat = bucket[j]!;
      const low = keyAt(src, flat, scratch, scratchBits) & 0xffff;
      if (low > t2 || (low === t2 && tiesLeft-- > 0)) picks[nPicks++] = flat;
    }
  } else {
    forEachChunk(src, start, end, (bits, base) => {
      for (let i = 0; i < bits.length; i++) {
        let key = bits[i]! & signMask;
        if (key < 0) key = slowKey(key, base + i, signMask);
        if (key >>> 16 !== t1) continue;
        const low = key & 0xffff;
        if (low > t2 || (low === t2 && tiesLeft-- > 0)) picks[nPicks++] = base + i;
      }
    });
  }
  return mergeSorted(above, picks, k);
}

function mergeSorted(a: Uint32Array, b: Uint32Array, k: number): Uint32Array {
  const out = new Uint32Array(k);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) out[n++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out;
}
