import type { AttentionDims, MatmulDims, RopeDims } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';

/**
 * The operations as tf computations on already validated inputs (shapes come from the tensor
 * package's checks). The backend runs each inside `tf.tidy`, so temporaries are freed and the
 * tape still records everything for gradients.
 */

type T = tfc.Tensor;

/** A score far below any real one: masked keys get it, so a row max is always finite. */
const MASKED_SCORE = -3e38;

/**
 * a × bᵀ over the last two dims, as a plain product with an explicit transpose of b: on the
 * WebAssembly engine `matMul(a, b, false, true)` runs ≈14× slower than transposing b (an O(n·k)
 * copy) and multiplying (measured: 1.4 vs 19.9 GFLOP/s at [1024×512]×[2048×512]ᵀ).
 */
function matMulTransposedB(tf: Tf, a: T, b: T): T {
  const perm = b.shape.map((_, i) => i);
  const last = perm.length - 1;
  [perm[last - 1], perm[last]] = [perm[last]!, perm[last - 1]!];
  return tf.matMul(a, tf.transpose(b, perm));
}

function matMulMaybeTransposed(tf: Tf, a: T, b: T, transposeB: boolean): T {
  return transposeB ? matMulTransposedB(tf, a, b) : tf.matMul(a, b);
}

export function matmul(tf: Tf, a: T, b: T, dims: MatmulDims): T {
  const { batch, m, k, n, batchedA, batchedB, transposeB } = dims;
  if (batchedA && !batchedB) {
    // [B, m, k] × shared B: one 2-D product over B·m rows (a Linear layer).
    return tf.reshape(matMulMaybeTransposed(tf, tf.reshape(a, [batch * m, k]), b, transposeB), [
      batch,
      m,
      n,
    ]);
  }
  // Batch dims are made explicit, so BatchMatMul (and its gradient) never broadcasts.
  const a3 = batchedB && !batchedA ? tf.broadcastTo(a, [batch, m, k]) : a;
  return matMulMaybeTransposed(tf, a3, b, transposeB);
}

export function silu(tf: Tf, x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

export function rmsNorm(tf: Tf, x: T, weight: T, eps: number): T {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, tf.scalar(eps)))), weight);
}

/** Rotate-half RoPE; cos/sin are [s, d/2] or [b, s, d/2]. */
export function rope(tf: Tf, x: T, cos: T, sin: T, dims: RopeDims): T {
  const { b, s, d } = dims;
  const half = d / 2;
  const tableShape = [dims.perBatch ? b : 1, s, 1, half];
  const c = tf.reshape(cos, tableShape);
  const sn = tf.reshape(sin, tableShape);
  const [x1, x2] = tf.split(x, [half, half], 3) as [T, T];
  const y1 = tf.sub(tf.mul(x1, c), tf.mul(x2, sn));
  const y2 = tf.add(tf.mul(x2, c), tf.mul(x1, sn));
  return tf.concat([y1, y2], 3);
}

/** Repeats each of the hkv heads `group` times: [b, hkv, t, d] → [b, hkv·group, t, d]. */
function repeatKv(tf: Tf, x: T, dims: AttentionDims): T {
  if (dims.group === 1) return x;
  const { b, hkv, t, d, group } = dims;
  const tiled = tf.tile(tf.expandDims(x, 2), [1, 1, group, 1, 1]);
  return tf.reshape(tiled, [b, hkv * group, t, d]);
}

/**
 * Softmax attention with GQA (query head h uses kv head ⌊h·hkv/hq⌋), causal offset t − s,
 * key mask [b, t], and zeros for a query row with no visible key.
 */
export function attention(tf: Tf, q: T, k: T, v: T, mask: T | undefined, dims: AttentionDims): T {
  const { b, s, t, causal, scale } = dims;
  const qh = tf.transpose(q, [0, 2, 1, 3]); // [b, hq, s, d]
  const kh = repeatKv(tf, tf.transpose(k, [0, 2, 1, 3]), dims); // [b, hq, t, d]
  const vh = repeatKv(tf, tf.transpose(v, [0, 2, 1, 3]), dims);
  const scores = tf.mul(matMulTransposedB(tf, qh, kh), tf.scalar(scale)); // [b, hq, s, t]
  let visible: T | undefined;
  if (causal) {
    const allowed = new Float32Array(s * t);
    for (let i = 0; i < s; i++) for (let j = 0; j <= i + t - s; j++) allowed[i * t + j] = 1;
    visible = tf.tensor4d(allowed, [1, 1, s, t]);
  }
  if (mask !== undefined) {
    const keys = tf.reshape(tf.cast(tf.notEqual(mask, tf.scalar(0)), 'float32'), [b, 1, 1, t]);
    visible = visible === undefined ? keys : tf.mul(visible, keys);
  }
  if (visible === undefined) return tf.transpose(tf.matMul(tf.softmax(scores), vh), [0, 2, 1, 3]);
  const visibleFull = tf.broadcastTo(visible, scores.shape);
  const masked = tf.where(tf.greater(visibleFull, 0), scores, tf.fill(scores.shape, MASKED_SCORE));
  const max = tf.max(masked, -1, true); // finite even for a fully masked row
  const weights = tf.mul(tf.exp(tf.sub(masked, max)), visibleFull);
  const denom = tf.sum(weights, -1, true);
  // A fully masked row has denominator 0 and weights 0: divide by 1 instead, giving zeros (and
  // finite gradients, which divNoNan would not give).
  const probs = tf.div(weights, tf.add(denom, tf.cast(tf.equal(denom, 0), 'float32')));
  return tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]);
}

/** Row gather: table [rows, h] → [...idsShape, h]. */
export function embedding(tf: Tf, table: T, ids: Uint32Array, outShape: number[]): T {
  return tf.reshape(tf.gather(table, tf.tensor1d(Int32Array.from(ids), 'int32')), outShape);
}

/** logsumexp(row) − row[target] for each (row, target) pair: −logSoftmax at the target. */
export function crossEntropy(
  tf: Tf,
  logits: T,
  rows: Uint32Array,
  targets: Uint32Array,
  v: number,
): T {
  const n = rows.length;
  if (n === 0) return tf.zeros([0]);
  const picked = tf.gather(
    tf.reshape(logits, [logits.size / v, v]),
    tf.tensor1d(Int32Array.from(rows), 'int32'),
  );
  const logp = tf.reshape(tf.logSoftmax(picked), [n * v]);
  const flat = new Int32Array(n);
  for (let i = 0; i < n; i++) flat[i] = i * v + targets[i]!;
  return tf.neg(tf.gather(logp, tf.tensor1d(flat, 'int32')));
}
