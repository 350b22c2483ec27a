import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './select.js';

/** Host x · wᵀ for x [m, k], w [n, k]. */
function linear(x: Float32Array, w: Float32Array, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += x[i * k + p]! * w[j * k + p]!;
      out.push(acc);
    }
  }
  return out;
}

const m = 3;
const k = 4;
const n = 5;
const xHost = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i + 1));
const wHost = Float32Array.from({ length: n * k }, (_, i) => Math.cos(0.7 * i));

for (const engine of ['cpu', 'wasm'] as const) {
  describe(`tfjs:${engine} cached weight transposes`, () => {
    it('x·wᵀ uses the weight as it is now: after scatterUpdate the product sees the new entries', async () => {
      const b = await createTfjsBackend(engine);
      const x = b.upload(xHost, [m, k]);
      const w = b.upload(wHost, [n, k]);
      const before = await b.download(b.matmul(x, w, { transposeB: true }));
      expect(b.transposeCacheBytes).toBe(4 * n * k);
      expect(Array.from(before)).toEqual(
        linear(xHost, wHost, m, k, n).map((v) => expect.closeTo(v, 5)),
      );
      const idx = Uint32Array.of(0, 7, 19);
      const vals = Float32Array.of(2, -3, 0.5);
      b.scatterUpdate(w, idx, vals);
      expect(b.transposeCacheBytes).toBe(0);
      const edited = wHost.slice();
      idx.forEach((i, j) => {
        edited[i] = vals[j]!;
      });
      const after = await b.download(b.matmul(x, w, { transposeB: true }));
      expect(Array.from(after)).toEqual(
        linear(xHost, edited, m, k, n).map((v) => expect.closeTo(v, 5)),
      );
      b.dispose([x, w]);
      expect(b.transposeCacheBytes).toBe(0);
    });

    it('gradients through x·wᵀ reach the weight even when its transpose is cached', async () => {
      const b = await createTfjsBackend(engine);
      const x = b.upload(xHost, [m, k]);
      const w = b.upload(wHost, [n, k]);
      b.matmul(x, w, { transposeB: true }).dispose(); // caches wᵀ
      const { value, gradients } = b.valueAndGradients(
        () => b.sum(b.matmul(x, w, { transposeB: true })),
        [w],
      );
      // d/dw[j, p] of Σ_ij (x wᵀ)_ij = Σ_i x[i, p], the same for every row j.
      const colSums = Array.from({ length: k }, (_, p) =>
        [...Array(m).keys()].reduce((s, i) => s + xHost[i * k + p]!, 0),
      );
      const expected = Array.from({ length: n }, () => colSums).flat();
      expect(Array.from(await b.download(gradients[0]!))).toEqual(
        expected.map((v) => expect.closeTo(v, 5)),
      );
      expect((await b.download(value))[0]).toBeCloseTo(
        linear(xHost, wHost, m, k, n).reduce((s, v) => s + v, 0),
        4,
      );
      b.dispose([x, w, value, ...gradients]);
    });

    it('a wide weight (n > 2048, cached as column blocks on wasm) multiplies a batched x correctly, also after scatterUpdate', async () => {
      const b = await createTfjsBackend(engine);
      const wide = 2053;
      const wWide = Float32Array.from({ length: wide * k }, (_, i) => Math.sin(0.37 * i));
      const x = b.upload(xHost, [1, m, k]);
      const w = b.upload(wWide, [wide, k]);
      const y = await b.download(b.matmul(x, w, { transposeB: true }));
      expect(b.transposeCacheBytes).toBe(4 * wide * k);
      expect(Array.from(y)).toEqual(
        linear(xHost, wWide, m, k, wide).map((v) => expect.closeTo(v, 5)),
      );
      b.scatterUpdate(w, Uint32Array.of(0, wide * k - 1), Float32Array.of(4, -4));
      const edited = wWide.slice();
      edited[0] = 4;
      edited[wide * k - 1] = -4;
      const after = await b.download(b.matmul(x, w, { transposeB: true }));
      expect(Array.from(after)).toEqual(
        linear(xHost, edited, m, k, wide).map((v) => expect.closeTo(v, 5)),
      );
      b.dispose([x, w]);
    });

    it('frees the copy with its weight, and keeps none past the budget (0 = off)', async () => {
      const base = tf.memory().numTensors;
      const b = await createTfjsBackend(engine);
      const x = b.upload(xHost, [m, k]);
      const w = b.upload(wHost, [n, k]);
      b.matmul(x, w, { transposeB: true }).dispose();
      expect(tf.memory().numTensors).toBe(base + 3);
      w.dispose();
      expect(tf.memory().numTensors).toBe(base + 1);
      x.dispose();
      const small = await createTfjsBackend(engine, { transposeCacheBytes: 4 * n * k - 1 });
      const x2 = small.upload(xHost, [m, k]);
      const w2 = small.upload(wHost, [n, k]);
      const y = await small.download(small.matmul(x2, w2, { transposeB: true }));
      expect(small.transposeCacheBytes).toBe(0);
      expect(Array.from(y)).toEqual(linear(xHost, wHost, m, k, n).map((v) => expect.closeTo(v, 5)));
      small.dispose([x2, w2]);
      await expect(createTfjsBackend(engine, { transposeCacheBytes: -1 })).rejects.toMatchObject({
        code: 'TENSOR_INVALID_ARGUMENT',
      });
    });
  });
}
