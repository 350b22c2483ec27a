import type { Tensor } from '../backend.js';
import {
  oracleAttention,
  oracleBroadcast,
  oracleCrossEntropy,
  oracleEmbedding,
  oracleMatmul,
  oracleRmsNorm,
  oracleRope,
  oracleRopeTables,
  oracleSilu,
} from '../oracle.js';
import { type CaseContext, type ConformanceCase, fromValues, randomInput } from './case.js';
import { expectClose, maxAbs } from './compare.js';

/**
 * A whole Llama-style decoder layer with a tied LM head and the causal-LM loss, left padding
 * included, composed from the backend's ops and from the oracle's. Tolerance: 2000u·(1 + max|y|)
 * absolute (≈1.2e-4 at float32): a chain of ~15 ops whose per-op bounds are checked above.
 */

const V = 23;
const H = 16;
const HQ = 4;
const HKV = 2;
const D = 4;
const MLP = 24;
const B = 2;
const S = 5;
const THETA = 10000;
const EPS = 1e-6;
const PADDING = ['00111', '11111'];

function linear(
  x: Float64Array,
  w: Float64Array,
  rows: number,
  inF: number,
  outF: number,
): Float64Array {
  return oracleMatmul(x, w, {
    batch: 1,
    m: rows,
    k: inF,
    n: outF,
    batchedA: false,
    batchedB: false,
    transposeB: true,
  });
}

async function run(ctx: CaseContext, name: string): Promise<void> {
  const b = ctx.backend;
  const table = randomInput(ctx, [V, H]);
  const w1 = randomInput(ctx, [H], 1);
  const w2 = randomInput(ctx, [H], 1);
  const wf = randomInput(ctx, [H], 1);
  const wq = randomInput(ctx, [HQ * D, H], 0.5);
  const wk = randomInput(ctx, [HKV * D, H], 0.5);
  const wv = randomInput(ctx, [HKV * D, H], 0.5);
  const wo = randomInput(ctx, [H, HQ * D], 0.5);
  const wg = randomInput(ctx, [MLP, H], 0.5);
  const wu = randomInput(ctx, [MLP, H], 0.5);
  const wd = randomInput(ctx, [H, MLP], 0.5);
  const maskValues = Float32Array.from(PADDING.join(''), (c) => Number(c));
  const mask = fromValues(ctx, maskValues, [B, S]);
  const ids = Uint32Array.from({ length: B * S }, () => ctx.random.int(V));
  // HF positions under left padding: cumsum(mask) − 1, clamped at 0
  const positions = new Uint32Array(B * S);
  for (let r = 0; r < B; r++) {
    let seen = 0;
    for (let i = 0; i < S; i++) {
      seen += maskValues[r * S + i]!;
      positions[r * S + i] = Math.max(0, seen - 1);
    }
  }
  // loss on real tokens that have a real next token
  const rows: number[] = [];
  const targets: number[] = [];
  for (let r = 0; r < B; r++) {
    for (let i = 0; i + 1 < S; i++) {
      if (maskValues[r * S + i] !== 0) {
        rows.push(r * S + i);
        targets.push(ids[r * S + i + 1]!);
      }
    }
  }
  const rowArray = Uint32Array.from(rows);
  const targetArray = Uint32Array.from(targets);

  const [logits, nll] = b.scope(() => {
    const x = b.embedding(table.tensor, ids, [B, S]);
    const h = b.rmsNorm(x, w1.tensor, EPS);
    const proj = (w: Tensor, heads: number) =>
      b.reshape(b.matmul(h, w, { transposeB: true }), [B, S, heads, D]);
    const rotary = { positions, theta: THETA };
    const q = b.rope(proj(wq.tensor, HQ), rotary);
    const k = b.rope(proj(wk.tensor, HKV), rotary);
    const v = proj(wv.tensor, HKV);
    const a = b.reshape(b.attention(q, k, v, { mask: mask.tensor }), [B, S, HQ * D]);
    const x2 = b.add(x, b.matmul(a, wo.tensor, { transposeB: true }));
    const m = b.rmsNorm(x2, w2.tensor, EPS);
    const act = b.swiglu(
      b.matmul(m, wg.tensor, { transposeB: true }),
      b.matmul(m, wu.tensor, { transposeB: true }),
    );
    const y = b.add(x2, b.matmul(act, wd.tensor, { transposeB: true }));
    const out = b.matmul(b.rmsNorm(y, wf.tensor, EPS), table.tensor, { transposeB: true });
    return [out, b.crossEntropy(out, rowArray, targetArray)];
  });
  ctx.own(logits);
  ctx.own(nll);

  const n = B * S;
  const x = oracleEmbedding(table.f64, H, ids);
  const h = oracleRmsNorm(x, w1.f64, EPS);
  const tables = oracleRopeTables(positions, D, THETA);
  const ropeDims = (heads: number) => ({ b: B, s: S, heads, d: D, perBatch: true });
  const q = oracleRope(linear(h, wq.f64, n, H, HQ * D), tables.cos, tables.sin, ropeDims(HQ));
  const k = oracleRope(linear(h, wk.f64, n, H, HKV * D), tables.cos, tables.sin, ropeDims(HKV));
  const v = linear(h, wv.f64, n, H, HKV * D);
  const a = oracleAttention(q, k, v, mask.f64, {
    b: B,
    s: S,
    t: S,
    hq: HQ,
    hkv: HKV,
    d: D,
    causal: true,
    scale: 1 / Math.sqrt(D),
  });
  const add = (p: Float64Array, r: Float64Array) => oracleBroadcast(p, r, (s, t) => s + t);
  const x2 = add(x, linear(a, wo.f64, n, HQ * D, H));
  const m = oracleRmsNorm(x2, w2.f64, EPS);
  const act = oracleBroadcast(
    linear(m, wg.f64, n, H, MLP),
    linear(m, wu.f64, n, H, MLP),
    (g, u) => oracleSilu(g) * u,
  );
  const y = add(x2, linear(act, wd.f64, n, MLP, H));
  const expectedLogits = linear(oracleRmsNorm(y, wf.f64, EPS), table.f64, n, H, V);
  const expectedNll = oracleCrossEntropy(expectedLogits, V, rowArray, targetArray);
  await expectClose(b, `${name}: logits`, logits, expectedLogits, [B, S, V], {
    rel: 0,
    abs: 2000 * ctx.u * (1 + maxAbs(expectedLogits)),
  });
  await expectClose(b, `${name}: per-token loss`, nll, expectedNll, [rows.length], {
    rel: 0,
    abs: 2000 * ctx.u * (1 + maxAbs(expectedLogits)),
  });
}

export const decoderCases: readonly ConformanceCase[] = [
  {
    name: 'a Llama decoder layer (GQA 4/2, RoPE positions under left padding, SwiGLU, tied head) and its loss',
    op: 'decoder',
    run(ctx) {
      return run(ctx, this.name);
    },
  },
];
