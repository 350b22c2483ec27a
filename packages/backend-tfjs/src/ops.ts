import type { AttentionDims, MatmulDims, RopeDims } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';
import { splitLeadingOnWasm } from './wasm-split-kernel.js';

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

/**
 * x · wᵀ with wᵀ given as column blocks [k, n_i] (a `TransposeCache` entry): one plain product
 * per block, concatenated along the columns. x is [m, k] or [batch, m, k].
 */
export function matmulColumnBlocks(tf: Tf, x: T, blocks: readonly T[], dims: MatmulDims): T {
  const { batch, m, k, n, batchedA } = dims;
  const x2 = batchedA ? tf.reshape(x, [batch * m, k]) : x;
  const y =
    blocks.length === 1
      ? tf.matMul(x2, blocks[0]!)
      : tf.concat(
          blocks.map((b) => tf.matMul(x2, b)),
          1,
        );
  return batchedA ? tf.reshape(y, [batch, m, n]) : y;
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

/**
 * Batched product [n, m, k] × [n, k, p] → [n, m, p]. With `splitBatch`, as n separate 2-D
 * products: the WebAssembly engine runs only batch-1 products on XNNPACK (≈15–20 GFLOP/s) and
 * larger batches on a scalar loop (≈1 GFLOP/s), so splitting wins once each product is more
 * than a few thousand multiply-adds. (Only on the WebAssembly engine: it splits with
 * `MeerkatSplitLeading`, as tfjs-wasm's own split copies the whole input once per piece.)
 */
function batchedMatMul(tf: Tf, a: T, b: T, splitBatch: boolean): T {
  const n = a.shape[0]!;
  if (!splitBatch || n === 1) return tf.matMul(a, b);
  const as = splitLeadingOnWasm(tf, a);
  const bs = splitLeadingOnWasm(tf, b);
  return tf.concat(
    as.map((ai, i) => tf.matMul(ai, bs[i]!)),
    0,
  );
}

/** How attention runs its two batched products on an engine. */
export interface AttentionPlan {
  /** Run the per-(batch, kv head) products as separate 2-D products (see `batchedMatMul`). */
  readonly splitBatch: boolean;
}

/**
 * The key visibility of the score block [b | 1, 1, s, t] as a float 0/1 tensor: causal (query i
 * sees keys j ≤ i + t − s) and/or the key mask [b, t]. Undefined when every key is visible.
 */
function visibility(tf: Tf, mask: T | undefined, dims: AttentionDims): T | undefined {
  const { b, s, t, causal } = dims;
  let visible: T | undefined;
  if (causal) {
    const allowed = new Float32Array(s * t);
    for (let i = 0; i < s; i++) allowed.fill(1, i * t, i * t + i + t - s + 1);
    visible = tf.tensor4d(allowed, [1, 1, s, t]);
  }
  if (mask !== undefined) {
    const keys = tf.reshape(tf.cast(tf.notEqual(mask, tf.scalar(0)), 'float32'), [b, 1, 1, t]);
    visible = visible === undefined ? keys : tf.mul(visible, keys);
  }
  return visible;
}

/**
 * Softmax attention with GQA (query head h uses kv head ⌊h / group⌋), causal offset t − s,
 * key mask [b, t], and zeros for a query row with no visible key.
 *
 * The group query heads of a kv head are stacked into one [group·s, d] block, so keys and values
 * are never repeated: scores are [b·hkv] products [group·s, d] × [d, t]. Masking multiplies the
 * scaled scores by the 0/1 visibility and adds MASKED_SCORE where it is 0 (two broadcast
 * elementwise ops, exact for every finite score), then softmax.
 */
export function attention(
  tf: Tf,
  q: T,
  k: T,
  v: T,
  mask: T | undefined,
  dims: AttentionDims,
  plan: AttentionPlan,
): T {
  const { b, s, t, hq, hkv, d, group, scale } = dims;
  const pairs = b * hkv;
  // q [b, s, hq, d] → [b, hkv, group, s, d] → [b·hkv, group·s, d]
  const qs = tf.reshape(tf.transpose(tf.reshape(q, [b, s, hkv, group, d]), [0, 2, 3, 1, 4]), [
    pairs,
    group * s,
    d,
  ]);
  const kT = tf.reshape(tf.transpose(k, [0, 2, 3, 1]), [pairs, d, t]); // [b·hkv, d, t]
  const vs = tf.reshape(tf.transpose(v, [0, 2, 1, 3]), [pairs, t, d]); // [b·hkv, t, d]
  const scores = tf.reshape(batchedMatMul(tf, qs, kT, plan.splitBatch), [b, hq, s, t]);
  const visible = visibility(tf, mask, dims);
  let probs: T;
  if (visible === undefined) probs = tf.softmax(tf.mul(scores, tf.scalar(scale)));
  else {
    const hidden = tf.mul(tf.sub(tf.scalar(1), visible), tf.scalar(MASKED_SCORE));
    probs = tf.softmax(tf.add(tf.mul(scores, tf.mul(visible, tf.scalar(scale))), hidden));
    if (mask !== undefined) {
      // A row with no visible key softmaxes to uniform weights over MASKED_SCORE: zero it.
      const rows = visible.shape[2]!;
      probs = tf.mul(probs, tf.reshape(tf.max(visible, -1), [visible.shape[0]!, 1, rows, 1]));
    }
  }
  const out = batchedMatMul(tf, tf.reshape(probs, [pairs, group * s, t]), vs, plan.splitBatch); // [b·hkv, group·s, d] = [b, hq, s, d]
  return tf.transpose(tf.reshape(out, [b, hq, s, d]), [0, 2, 1, 3]);
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
