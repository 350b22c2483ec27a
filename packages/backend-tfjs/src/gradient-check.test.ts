import {
  type Backend,
  oracleAttention,
  oracleCrossEntropy,
  oracleEmbedding,
  oracleMatmul,
  oracleRmsNorm,
  oracleRope,
  oracleRopeTables,
  oracleSilu,
  type Tensor,
} from '@meerkat/tensor';
import { SeededRandom } from '@meerkat/tensor/conformance';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './select.js';

/**
 * Gradients of tfjs backends against central finite differences of an independent float64
 * implementation of the same function (the tensor package's float64 oracles, composed the same
 * way): a tiny 2-layer projection with cross-entropy, and a small attention block that uses
 * every differentiable op (repeated embedding ids, RMSNorm, RoPE, GQA attention with left
 * padding and fully masked rows, SwiGLU, tied head).
 */

interface Param {
  readonly shape: number[];
  readonly f32: Float32Array;
}

function param(random: SeededRandom, shape: number[], scale = 0.5): Param {
  return {
    shape,
    f32: random.floats(
      shape.reduce((p, d) => p * d, 1),
      scale,
    ),
  };
}

function linear(x: Float64Array, rows: number, w: Float64Array, out: number, inp: number) {
  return oracleMatmul(x, w, {
    batch: 1,
    m: rows,
    k: inp,
    n: out,
    batchedA: false,
    batchedB: false,
    transposeB: true,
  });
}

function sum(x: Float64Array): number {
  return x.reduce((a, b) => a + b, 0);
}

/** Central differences of `f` at `count` seeded entries of each parameter, in float64. */
async function checkGradients(
  backend: Backend,
  params: readonly Param[],
  f64: (values: Float64Array[]) => number,
  f: (tensors: Tensor[]) => Tensor,
  seed: number,
  count: number,
): Promise<number> {
  const tensors = params.map((p) => backend.upload(p.f32, p.shape));
  const { value, gradients } = backend.valueAndGradients(() => f(tensors), tensors);
  const base = params.map((p) => Float64Array.from(p.f32));
  const random = new SeededRandom(seed);
  let worst = 0;
  try {
    const got = (await backend.download(value))[0]!;
    const exact = f64(base);
    expect(Math.abs(got - exact)).toBeLessThan(1e-5 * (1 + Math.abs(exact)));
    for (let p = 0; p < params.length; p++) {
      const g = await backend.download(gradients[p]!);
      expect(g.length).toBe(params[p]!.f32.length);
      const picks = random.distinct(Math.min(count, g.length), g.length);
      for (const i of picks) {
        const h = 1e-5;
        const plus = base.map((v) => v.slice());
        const minus = base.map((v) => v.slice());
        plus[p]![i]! += h;
        minus[p]![i]! -= h;
        const fd = (f64(plus) - f64(minus)) / (2 * h);
        const err = Math.abs(g[i]! - fd);
        worst = Math.max(worst, err / (1e-5 + 1e-4 * Math.abs(fd)));
        expect(err, `param ${p} entry ${i}: tfjs ${g[i]} vs finite difference ${fd}`).toBeLessThan(
          1e-5 + 1e-4 * Math.abs(fd),
        );
      }
    }
  } finally {
    backend.dispose([value, ...gradients, ...tensors]);
  }
  expect(backend.memory()).toEqual({ tensors: 0, bytes: 0 });
  return worst;
}

for (const engine of ['cpu', 'wasm'] as const) {
  describe(`tfjs:${engine} gradients vs float64 central differences`, () => {
    it('cross-entropy of a tiny 2-layer projection (every weight entry)', async () => {
      const backend = await createTfjsBackend(engine);
      const random = new SeededRandom(7);
      const [n, inp, hid, v] = [4, 6, 5, 7];
      const x = param(random, [n, inp], 1);
      const w1 = param(random, [hid, inp]);
      const w2 = param(random, [v, hid]);
      const rows = Uint32Array.of(0, 1, 2, 3, 1);
      const targets = Uint32Array.of(3, 0, 6, 2, 5);
      await checkGradients(
        backend,
        [x, w1, w2],
        ([X, W1, W2]) => {
          const hidden = linear(X!, n, W1!, hid, inp).map(oracleSilu);
          return sum(oracleCrossEntropy(linear(hidden, n, W2!, v, hid), v, rows, targets));
        },
        ([X, W1, W2]) => {
          const b = backend;
          const hidden = b.silu(b.matmul(X!, W1!, { transposeB: true }));
          return b.sum(b.crossEntropy(b.matmul(hidden, W2!, { transposeB: true }), rows, targets));
        },
        11,
        100,
      );
    });

    for (const causal of [true, false]) {
      const what = causal
        ? 'masked causal attention (fully masked rows)'
        : 'unmasked non-causal attention';
      it(`an attention block: embedding, RMSNorm, RoPE, GQA ${what}, SwiGLU, tied head`, async () => {
        const backend = await createTfjsBackend(engine);
        const random = new SeededRandom(99);
        const [b, s, h, hq, hkv, d, mlp, vocab] = [2, 4, 8, 4, 2, 2, 6, 9];
        const ids = Uint32Array.of(1, 1, 5, 3, 0, 8, 8, 8); // repeated ids
        const mask = Float32Array.of(0, 1, 1, 1, 1, 1, 1, 1); // left padding in row 0
        const positions = Uint32Array.of(0, 0, 1, 2, 0, 1, 2, 3);
        const rows = Uint32Array.of(1, 2, 4, 5, 6);
        const targets = Uint32Array.of(5, 3, 8, 8, 2);
        const eps = 1e-5;
        const theta = 10000;
        const table = param(random, [vocab, h], 1);
        const norm = param(random, [h], 1);
        const wq = param(random, [hq * d, h]);
        const wk = param(random, [hkv * d, h]);
        const wv = param(random, [hkv * d, h]);
        const wo = param(random, [h, hq * d]);
        const wg = param(random, [mlp, h]);
        const wu = param(random, [mlp, h]);
        const wd = param(random, [h, mlp]);
        const ropeDims = { b, s, d, perBatch: true };
        const { cos, sin } = oracleRopeTables(positions, d, theta);
        const attnDims = { b, s, t: s, hq, hkv, d, causal, scale: 1 / Math.sqrt(d) };
        const mask64 = Float64Array.from(mask);
        await checkGradients(
          backend,
          [table, norm, wq, wk, wv, wo, wg, wu, wd],
          ([T, N, Q, K, V, O, G, U, D]) => {
            const n = b * s;
            const x = oracleEmbedding(T!, h, ids);
            const xn = oracleRmsNorm(x, N!, eps);
            const q = oracleRope(linear(xn, n, Q!, hq * d, h), cos, sin, {
              ...ropeDims,
              heads: hq,
            });
            const k = oracleRope(linear(xn, n, K!, hkv * d, h), cos, sin, {
              ...ropeDims,
              heads: hkv,
            });
            const v = linear(xn, n, V!, hkv * d, h);
            const a = oracleAttention(q, k, v, causal ? mask64 : undefined, attnDims);
            const r = linear(a, n, O!, h, hq * d).map((y, i) => y + x[i]!);
            const gate = linear(r, n, G!, mlp, h);
            const up = linear(r, n, U!, mlp, h);
            const act = gate.map((g, i) => oracleSilu(g) * up[i]!);
            const out = linear(act, n, D!, h, mlp).map((y, i) => y + r[i]!);
            return sum(oracleCrossEntropy(linear(out, n, T!, vocab, h), vocab, rows, targets));
          },
          ([T, N, Q, K, V, O, G, U, D]) => {
            const be = backend;
            const m = be.upload(mask, [b, s]);
            const x = be.embedding(T!, ids, [b, s]);
            const xn = be.rmsNorm(x, N!, eps);
            const proj = (w: Tensor, heads: number) =>
              be.reshape(be.matmul(xn, w, { transposeB: true }), [b, s, heads, d]);
            const q = be.rope(proj(Q!, hq), { positions, theta });
            const k = be.rope(proj(K!, hkv), { positions, theta });
            const v = proj(V!, hkv);
            const options = causal ? { mask: m } : { causal: false };
            const a = be.reshape(be.attention(q, k, v, options), [b, s, hq * d]);
            const r = be.add(be.matmul(a, O!, { transposeB: true }), x);
            const act = be.swiglu(
              be.matmul(r, G!, { transposeB: true }),
              be.matmul(r, U!, { transposeB: true }),
            );
            const out = be.add(be.matmul(act, D!, { transposeB: true }), r);
            const logits = be.matmul(out, T!, { transposeB: true });
            return be.sum(be.crossEntropy(logits, rows, targets));
          },
          5,
          12,
        );
      });
    }
  });
}
