/**
 * The float64 oracle: an independent, deliberately plain implementation of every backend
 * operation over `Float64Array`s (row-major), used by the conformance suite for expected
 * values. Same semantics as the `Backend` docs; no validation beyond what the suite needs.
 */

/** C[b] = A[b]·B[b] (B optionally stored transposed); rank-2 operands are shared (batch 1). */
export function oracleMatmul(
  a: Float64Array,
  b: Float64Array,
  dims: {
    batch: number;
    m: number;
    k: number;
    n: number;
    batchedA: boolean;
    batchedB: boolean;
    transposeB: boolean;
  },
): Float64Array {
  const { batch, m, k, n, batchedA, batchedB, transposeB } = dims;
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = batchedA ? p * m * k : 0;
    const bo = batchedB ? p * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) {
          const bv = transposeB ? b[bo + j * k + q]! : b[bo + q * n + j]!;
          acc += a[ao + i * k + q]! * bv;
        }
        out[p * m * n + i * n + j] = acc;
      }
    }
  }
  return out;
}

/** a ∘ b where b repeats over a's leading dims. */
export function oracleBroadcast(
  a: Float64Array,
  b: Float64Array,
  f: (x: number, y: number) => number,
): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]!, b[i % b.length]!);
  return out;
}

export function oracleMap(a: Float64Array, f: (x: number) => number): Float64Array {
  return a.map(f);
}

export function oracleSilu(x: number): number {
  return x / (1 + Math.exp(-x));
}

export function oracleRmsNorm(x: Float64Array, w: Float64Array, eps: number): Float64Array {
  const h = w.length;
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / h; r++) {
    let ss = 0;
    for (let i = 0; i < h; i++) ss += x[r * h + i]! ** 2;
    const inv = 1 / Math.sqrt(ss / h + eps);
    for (let i = 0; i < h; i++) out[r * h + i] = x[r * h + i]! * inv * w[i]!;
  }
  return out;
}

/** cos/sin tables [n, d/2] for positions, invFreq_i = θ^(−2i/d), computed in float64. */
export function oracleRopeTables(
  positions: ArrayLike<number>,
  d: number,
  theta: number,
): { cos: Float64Array; sin: Float64Array } {
  const half = d / 2;
  const cos = new Float64Array(positions.length * half);
  const sin = new Float64Array(positions.length * half);
  for (let p = 0; p < positions.length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[p]! * theta ** (-(2 * i) / d);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Rotate-half RoPE on x [b, s, heads, d]; tables [s, d/2] (shared) or [b, s, d/2]. */
export function oracleRope(
  x: Float64Array,
  cos: Float64Array,
  sin: Float64Array,
  dims: { b: number; s: number; heads: number; d: number; perBatch: boolean },
): Float64Array {
  const { b, s, heads, d, perBatch } = dims;
  const half = d / 2;
  const out = new Float64Array(x.length);
  for (let bi = 0; bi < b; bi++) {
    for (let si = 0; si < s; si++) {
      const row = ((perBatch ? bi * s : 0) + si) * half;
      for (let h = 0; h < heads; h++) {
        const o = ((bi * s + si) * heads + h) * d;
        for (let i = 0; i < half; i++) {
          const x1 = x[o + i]!;
          const x2 = x[o + i + half]!;
          const c = cos[row + i]!;
          const sn = sin[row + i]!;
          out[o + i] = x1 * c - x2 * sn;
          out[o + i + half] = x2 * c + x1 * sn;
        }
      }
    }
  }
  return out;
}

/** Whether query si of batch bi may see key tj. */
export function oracleVisible(
  bi: number,
  si: number,
  tj: number,
  dims: { s: number; t: number; causal: boolean },
  mask: Float64Array | undefined,
): boolean {
  if (dims.causal && tj > si + (dims.t - dims.s)) return false;
  return mask === undefined || mask[bi * dims.t + tj] !== 0;
}

/** Grouped-query softmax attention; fully masked rows give zeros. */
export function oracleAttention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  mask: Float64Array | undefined,
  dims: {
    b: number;
    s: number;
    t: number;
    hq: number;
    hkv: number;
    d: number;
    causal: boolean;
    scale: number;
  },
): Float64Array {
  const { b, s, t, hq, hkv, d, scale } = dims;
  const group = hq / hkv;
  const out = new Float64Array(b * s * hq * d);
  const scores = new Float64Array(t);
  for (let bi = 0; bi < b; bi++) {
    for (let si = 0; si < s; si++) {
      for (let h = 0; h < hq; h++) {
        const kh = Math.floor(h / group);
        const qo = ((bi * s + si) * hq + h) * d;
        let max = Number.NEGATIVE_INFINITY;
        for (let tj = 0; tj < t; tj++) {
          if (!oracleVisible(bi, si, tj, dims, mask)) continue;
          const ko = ((bi * t + tj) * hkv + kh) * d;
          let dot = 0;
          for (let i = 0; i < d; i++) dot += q[qo + i]! * k[ko + i]!;
          scores[tj] = dot * scale;
          if (scores[tj]! > max) max = scores[tj]!;
        }
        if (max === Number.NEGATIVE_INFINITY) continue; // fully masked: zeros
        let denom = 0;
        for (let tj = 0; tj < t; tj++) {
          if (!oracleVisible(bi, si, tj, dims, mask)) continue;
          scores[tj] = Math.exp(scores[tj]! - max);
          denom += scores[tj]!;
        }
        for (let tj = 0; tj < t; tj++) {
          if (!oracleVisible(bi, si, tj, dims, mask)) continue;
          const p = scores[tj]! / denom;
          const vo = ((bi * t + tj) * hkv + kh) * d;
          for (let i = 0; i < d; i++) out[qo + i] = out[qo + i]! + p * v[vo + i]!;
        }
      }
    }
  }
  return out;
}

export function oracleEmbedding(table: Float64Array, h: number, ids: Uint32Array): Float64Array {
  const out = new Float64Array(ids.length * h);
  for (let i = 0; i < ids.length; i++) out.set(table.subarray(ids[i]! * h, ids[i]! * h + h), i * h);
  return out;
}

function logSumExp(x: Float64Array, start: number, v: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v; i++) max = Math.max(max, x[start + i]!);
  let s = 0;
  for (let i = 0; i < v; i++) s += Math.exp(x[start + i]! - max);
  return max + Math.log(s);
}

export function oracleLogSoftmax(x: Float64Array, v: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / v; r++) {
    const lse = logSumExp(x, r * v, v);
    for (let i = 0; i < v; i++) out[r * v + i] = x[r * v + i]! - lse;
  }
  return out;
}

export function oracleCrossEntropy(
  logits: Float64Array,
  v: number,
  rows: Uint32Array,
  targets: Uint32Array,
): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    out[i] = logSumExp(logits, rows[i]! * v, v) - logits[rows[i]! * v + targets[i]!]!;
  }
  return out;
}

export function oracleSum(x: Float64Array): number {
  let s = 0;
  for (const value of x) s += value;
  return s;
}
