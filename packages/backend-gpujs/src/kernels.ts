/**
 * The gpu.js kernel sources. gpu.js compiles a kernel from its JavaScript source text, so
 * these functions are restricted JavaScript: no closures, loops bounded by `this.constants`,
 * arrays read as `a[row][col]`. Every tensor is passed as a 2-D view [cols, rows] (gpu.js order:
 * x fastest), so each coordinate stays below 2^24 — gpu.js computes indices in float32 on its
 * GPU and WebAssembly paths, and a flat index above 2^24 would be silently wrong. Outputs are
 * 2-D too: `this.thread.x` is the column, `this.thread.y` the row.
 *
 * Summation orders mirror the reference backend (sequential float32 in index order), except
 * the tiled matmul, which sums four interleaved partial sums (any order meets the suite's
 * (k + 2)·u·Σ|a||b| bound).
 */

interface Thread {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}
type View = readonly (readonly number[])[];
interface K<C> {
  readonly thread: Thread;
  readonly constants: C;
}

/** Below this a score is "masked" (scores are float32 and finite, so never this low). */
export const MASKED = -3e38;

// ── data ──────────────────────────────────────────────────────────────────────────────────────

export function copyKernel(this: K<object>, x: View): number {
  return x[this.thread.y]![this.thread.x]!;
}

export function fillKernel(this: K<object>, value: number): number {
  return value;
}

/**
 * Sparse overwrite as a gather (for device textures): each output entry binary-searches its
 * flat index among the sorted update indices; only the indices and values are uploaded.
 */
export function scatterKernel(
  this: K<{ W: number; count: number; steps: number }>,
  w: View,
  indices: View,
  values: View,
): number {
  const f = this.thread.y * this.constants.W + this.thread.x;
  let lo = 0;
  let hi = this.constants.count - 1;
  let found = -1;
  for (let it = 0; it < this.constants.steps; it++) {
    if (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = indices[0]![mid]!;
      if (at === f) {
        found = mid;
        lo = hi + 1;
      } else if (at < f) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
  }
  if (found >= 0) return values[0]![found]!;
  return w[this.thread.y]![this.thread.x]!;
}

// ── matmul ────────────────────────────────────────────────────────────────────────────────────
// Output [n, batch·m]. A viewed [k, rowsA]; B viewed [k, rowsB] when transposed (rows = n per
// batch entry), else [n, rowsB] (rows = k per batch entry). aStride/bStride are 0 for an
// operand shared by every batch entry.

interface MatmulConstants {
  m: number;
  k: number;
  aStride: number;
  bStride: number;
}

/** The textbook kernel: one output per thread, one sequential loop over k. B transposed. */
export function matmulNaiveT(this: K<MatmulConstants>, a: View, b: View): number {
  const p = Math.floor(this.thread.y / this.constants.m);
  const ar = p * this.constants.aStride + this.thread.y - p * this.constants.m;
  const br = p * this.constants.bStride + this.thread.x;
  let s = 0;
  for (let q = 0; q < this.constants.k; q++) {
    s += a[ar]![q]! * b[br]![q]!;
  }
  return s;
}

/** The textbook kernel, B not transposed. */
export function matmulNaiveN(this: K<MatmulConstants>, a: View, b: View): number {
  const p = Math.floor(this.thread.y / this.constants.m);
  const ar = p * this.constants.aStride + this.thread.y - p * this.constants.m;
  const bb = p * this.constants.bStride;
  let s = 0;
  for (let q = 0; q < this.constants.k; q++) {
    s += a[ar]![q]! * b[bb + q]![this.thread.x]!;
  }
  return s;
}

interface BlockedConstants extends MatmulConstants {
  /** k rounded down to a multiple of 4. */
  k4: number;
}

/**
 * Blocked over k for device modes: the k loop unrolled by 4 into four independent partial sums
 * (four loads of each operand per iteration, no loop-carried dependency between them), then a
 * tail loop for k mod 4. B transposed.
 */
export function matmulUnrolledT(this: K<BlockedConstants>, a: View, b: View): number {
  const p = Math.floor(this.thread.y / this.constants.m);
  const ar = p * this.constants.aStride + this.thread.y - p * this.constants.m;
  const br = p * this.constants.bStride + this.thread.x;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < this.constants.k4; q += 4) {
    s0 += a[ar]![q]! * b[br]![q]!;
    s1 += a[ar]![q + 1]! * b[br]![q + 1]!;
    s2 += a[ar]![q + 2]! * b[br]![q + 2]!;
    s3 += a[ar]![q + 3]! * b[br]![q + 3]!;
  }
  for (let q = this.constants.k4; q < this.constants.k; q++) {
    s0 += a[ar]![q]! * b[br]![q]!;
  }
  return s0 + s1 + (s2 + s3);
}

/** As `matmulUnrolledT`, B not transposed. */
export function matmulUnrolledN(this: K<BlockedConstants>, a: View, b: View): number {
  const p = Math.floor(this.thread.y / this.constants.m);
  const ar = p * this.constants.aStride + this.thread.y - p * this.constants.m;
  const bb = p * this.constants.bStride;
  const j = this.thread.x;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < this.constants.k4; q += 4) {
    s0 += a[ar]![q]! * b[bb + q]![j]!;
    s1 += a[ar]![q + 1]! * b[bb + q + 1]![j]!;
    s2 += a[ar]![q + 2]! * b[bb + q + 2]![j]!;
    s3 += a[ar]![q + 3]! * b[bb + q + 3]![j]!;
  }
  for (let q = this.constants.k4; q < this.constants.k; q++) {
    s0 += a[ar]![q]! * b[bb + q]![j]!;
  }
  return s0 + s1 + (s2 + s3);
}

interface RowBlockConstants extends MatmulConstants {
  /** Row blocks of 4 per batch entry: ceil(m / 4). */
  mb: number;
}

/**
 * Register-blocked for webasm/cpu: each thread computes a 4×1 tile (rows 4·ib … 4·ib+3 of one
 * column), so each B element is read once per 4 products. On webasm the 4 SIMD lanes run 4
 * adjacent columns: A reads are lane-uniform (scalar load + splat) and only B needs a gather,
 * a quarter as many gathers as the naive kernel. Rows past m repeat row m−1 and are dropped
 * when the [row-block, column, 4] result is unpacked. Sequential k order per output (the
 * reference's order). B transposed.
 */
export function matmulRowBlockT(this: K<RowBlockConstants>, a: View, b: View): number[] {
  const p = Math.floor(this.thread.y / this.constants.mb);
  const i0 = (this.thread.y - p * this.constants.mb) * 4;
  const base = p * this.constants.aStride;
  const last = this.constants.m - 1;
  const r0 = base + i0;
  const r1 = base + Math.min(i0 + 1, last);
  const r2 = base + Math.min(i0 + 2, last);
  const r3 = base + Math.min(i0 + 3, last);
  const br = p * this.constants.bStride + this.thread.x;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < this.constants.k; q++) {
    const bv = b[br]![q]!;
    s0 += a[r0]![q]! * bv;
    s1 += a[r1]![q]! * bv;
    s2 += a[r2]![q]! * bv;
    s3 += a[r3]![q]! * bv;
  }
  return [s0, s1, s2, s3];
}

/** As `matmulRowBlockT`, B not transposed. */
export function matmulRowBlockN(this: K<RowBlockConstants>, a: View, b: View): number[] {
  const p = Math.floor(this.thread.y / this.constants.mb);
  const i0 = (this.thread.y - p * this.constants.mb) * 4;
  const base = p * this.constants.aStride;
  const last = this.constants.m - 1;
  const r0 = base + i0;
  const r1 = base + Math.min(i0 + 1, last);
  const r2 = base + Math.min(i0 + 2, last);
  const r3 = base + Math.min(i0 + 3, last);
  const bb = p * this.constants.bStride;
  const j = this.thread.x;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < this.constants.k; q++) {
    const bv = b[bb + q]![j]!;
    s0 += a[r0]![q]! * bv;
    s1 += a[r1]![q]! * bv;
    s2 += a[r2]![q]! * bv;
    s3 += a[r3]![q]! * bv;
  }
  return [s0, s1, s2, s3];
}

// ── elementwise ───────────────────────────────────────────────────────────────────────────────

/** a viewed [w, rows], b viewed [w, 1] (b repeats over a's rows; w = b.size). */
export function addKernel(this: K<object>, a: View, b: View): number {
  return a[this.thread.y]![this.thread.x]! + b[0]![this.thread.x]!;
}

export function mulKernel(this: K<object>, a: View, b: View): number {
  return a[this.thread.y]![this.thread.x]! * b[0]![this.thread.x]!;
}

export function scaleKernel(this: K<object>, a: View, s: number): number {
  return a[this.thread.y]![this.thread.x]! * s;
}

export function siluKernel(this: K<object>, x: View): number {
  const v = x[this.thread.y]![this.thread.x]!;
  return v / (1 + Math.exp(-v));
}

export function swigluKernel(this: K<object>, gate: View, up: View): number {
  const g = gate[this.thread.y]![this.thread.x]!;
  const silu = g / (1 + Math.exp(-g));
  return silu * up[this.thread.y]![this.thread.x]!;
}

// ── normalisation, rotary ─────────────────────────────────────────────────────────────────────

/** Output [1, rows]: 1/√(mean(x²) + eps) per row of h. */
export function rmsInverseKernel(this: K<{ h: number }>, x: View, eps: number): number {
  let ss = 0;
  for (let i = 0; i < this.constants.h; i++) {
    const v = x[this.thread.y]![i]!;
    ss += v * v;
  }
  return 1 / Math.sqrt(ss / this.constants.h + eps);
}

/** x [h, rows] · inverse [1, rows] · weight [h, 1]. */
export function rmsApplyKernel(this: K<object>, x: View, inverse: View, weight: View): number {
  return (
    x[this.thread.y]![this.thread.x]! * inverse[this.thread.y]![0]! * weight[0]![this.thread.x]!
  );
}

/**
 * Rotate-half RoPE. x viewed [d, b·s·heads]; cos/sin viewed [d/2, tableRows] where the table
 * row is (b·s + s) when per batch, else the position s.
 */
export function ropeKernel(
  this: K<{ heads: number; s: number; half: number; perBatch: number }>,
  x: View,
  cos: View,
  sin: View,
): number {
  const bs = Math.floor(this.thread.y / this.constants.heads);
  const bi = Math.floor(bs / this.constants.s);
  const tr = this.constants.perBatch > 0 ? bs : bs - bi * this.constants.s;
  const i = this.thread.x;
  if (i < this.constants.half) {
    const x1 = x[this.thread.y]![i]!;
    const x2 = x[this.thread.y]![i + this.constants.half]!;
    return x1 * cos[tr]![i]! - x2 * sin[tr]![i]!;
  }
  const j = i - this.constants.half;
  const x2 = x[this.thread.y]![i]!;
  const x1 = x[this.thread.y]![j]!;
  return x2 * cos[tr]![j]! + x1 * sin[tr]![j]!;
}

// ── attention: scores → row max → denominator → probabilities → weighted values ──────────────

interface AttentionConstants {
  s: number;
  t: number;
  hq: number;
  hkv: number;
  d: number;
  group: number;
  causal: number;
  hasMask: number;
  scale: number;
}

/**
 * Output [t, b·hq·s], row (b·hq + h)·s + i: scale·q·k for visible keys, MASKED otherwise.
 * q viewed [d, b·s·hq], k [d, b·t·hkv], mask [t, b] (a 1×1 dummy without a mask).
 */
export function attentionScoresKernel(
  this: K<AttentionConstants>,
  q: View,
  k: View,
  mask: View,
): number {
  const row = this.thread.y;
  const tj = this.thread.x;
  const bh = Math.floor(row / this.constants.s);
  const si = row - bh * this.constants.s;
  const bi = Math.floor(bh / this.constants.hq);
  const h = bh - bi * this.constants.hq;
  const kh = Math.floor(h / this.constants.group);
  let visible = 1;
  if (this.constants.causal > 0 && tj > si + this.constants.t - this.constants.s) visible = 0;
  if (this.constants.hasMask > 0 && mask[bi]![tj]! === 0) visible = 0;
  if (visible === 0) return MASKED_LITERAL;
  const qr = (bi * this.constants.s + si) * this.constants.hq + h;
  const kr = (bi * this.constants.t + tj) * this.constants.hkv + kh;
  let dot = 0;
  for (let e = 0; e < this.constants.d; e++) {
    dot += q[qr]![e]! * k[kr]![e]!;
  }
  return dot * this.constants.scale;
}

/** Output [1, rows]: the largest visible score of each row (MASKED when none is visible). */
export function rowMaxKernel(this: K<{ w: number }>, x: View): number {
  let best = MASKED_LITERAL;
  for (let j = 0; j < this.constants.w; j++) {
    best = Math.max(best, x[this.thread.y]![j]!);
  }
  return best;
}

/** Output [1, rows]: Σ exp(score − max) over visible scores (0 for a fully masked row). */
export function softmaxDenominatorKernel(this: K<{ w: number }>, x: View, max: View): number {
  const top = max[this.thread.y]![0]!;
  let sum = 0;
  for (let j = 0; j < this.constants.w; j++) {
    const v = x[this.thread.y]![j]!;
    if (v > -1e38) sum += Math.exp(v - top);
  }
  return sum;
}

/** Output [t, rows]: exp(score − max) / denominator, 0 where masked or the row is empty. */
export function softmaxProbabilityKernel(
  this: K<object>,
  x: View,
  max: View,
  denominator: View,
): number {
  const v = x[this.thread.y]![this.thread.x]!;
  const sum = denominator[this.thread.y]![0]!;
  if (v > -1e38 && sum > 0) return Math.exp(v - max[this.thread.y]![0]!) / sum;
  return 0;
}

/** Output [d, b·s·hq], row (b·s + i)·hq + h: Σ_j p_j · v_j. p viewed [t, b·hq·s], v [d, b·t·hkv]. */
export function attentionValuesKernel(this: K<AttentionConstants>, p: View, v: View): number {
  const row = this.thread.y;
  const bs = Math.floor(row / this.constants.hq);
  const h = row - bs * this.constants.hq;
  const bi = Math.floor(bs / this.constants.s);
  const si = bs - bi * this.constants.s;
  const kh = Math.floor(h / this.constants.group);
  const pr = (bi * this.constants.hq + h) * this.constants.s + si;
  let acc = 0;
  for (let tj = 0; tj < this.constants.t; tj++) {
    acc += p[pr]![tj]! * v[(bi * this.constants.t + tj) * this.constants.hkv + kh]![this.thread.x]!;
  }
  return acc;
}

// ── embeddings, log-softmax, losses, sums ─────────────────────────────────────────────────────

/** Output [h, n]: table row ids[i] (ids viewed [n, 1], exact as float32 below 2^24). */
export function embeddingKernel(this: K<object>, table: View, ids: View): number {
  return table[ids[0]![this.thread.y]!]![this.thread.x]!;
}

/** Output [1, rows]: log Σ exp(x − max) per row. */
export function logSumExpKernel(this: K<{ w: number }>, x: View, max: View): number {
  const top = max[this.thread.y]![0]!;
  let sum = 0;
  for (let j = 0; j < this.constants.w; j++) {
    sum += Math.exp(x[this.thread.y]![j]! - top);
  }
  return Math.log(sum);
}

/** Output [w, rows]: (x − max) − logsumexp. */
export function logSoftmaxKernel(this: K<object>, x: View, max: View, lse: View): number {
  return x[this.thread.y]![this.thread.x]! - max[this.thread.y]![0]! - lse[this.thread.y]![0]!;
}

/** Output [1, n]: logsumexp(row r_i) − (x[r_i][t_i] − max). rows/targets viewed [n, 1]. */
export function crossEntropyKernel(
  this: K<{ v: number }>,
  x: View,
  rows: View,
  targets: View,
): number {
  const r = rows[0]![this.thread.y]!;
  let top = MASKED_LITERAL;
  for (let j = 0; j < this.constants.v; j++) {
    top = Math.max(top, x[r]![j]!);
  }
  let sum = 0;
  for (let j = 0; j < this.constants.v; j++) {
    sum += Math.exp(x[r]![j]! - top);
  }
  return Math.log(sum) - (x[r]![targets[0]![this.thread.y]!]! - top);
}

/** Output [1, rows]: sequential sum of each row of w. */
export function rowSumKernel(this: K<{ w: number }>, x: View): number {
  let sum = 0;
  for (let j = 0; j < this.constants.w; j++) {
    sum += x[this.thread.y]![j]!;
  }
  return sum;
}

/** Output [1, 1]: sequential sum of a column of rows values (x viewed [1, rows]). */
export function columnSumKernel(this: K<{ rows: number }>, x: View): number {
  let sum = 0;
  for (let i = 0; i < this.constants.rows; i++) {
    sum += x[i]![0]!;
  }
  return sum;
}

/**
 * gpu.js reads kernel sources as text, so the sentinel must be a literal inside them: every
 * `MASKED_LITERAL` in a kernel source is replaced by MASKED's value when it is compiled.
 */
declare const MASKED_LITERAL: number;

/** The source text gpu.js compiles: TypeScript's non-null assertions are already gone here. */
export function kernelSource(fn: (...args: never[]) => unknown): string {
  return fn.toString().replaceAll('MASKED_LITERAL', String(MASKED));
}
