import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './select.js';

/** tfjs's own tensor count (every engine, every tf.Tensor) stays flat over repeated work. */
for (const engine of ['cpu', 'wasm'] as const) {
  describe(`tfjs:${engine} leaks`, () => {
    it('tf.memory().numTensors stays flat over 50 decoder-style steps in scopes, 50 gradient steps and 50 scatterUpdates', async () => {
      const b = await createTfjsBackend(engine);
      const w = b.upload(
        Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
        [8, 8],
      );
      const norm = b.fill([8], 1);
      const x = b.upload(
        Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)),
        [1, 4, 8],
      );
      const mask = b.upload(Float32Array.of(0, 1, 1, 1), [1, 4]);
      const base = tf.memory().numTensors;
      const baseOwn = b.memory();
      const counts: number[] = [];
      for (let step = 0; step < 50; step++) {
        const y = b.scope(() => {
          const h = b.matmul(b.rmsNorm(x, norm, 1e-6), w, { transposeB: true });
          const q = b.rope(b.reshape(h, [1, 4, 2, 4]), {
            positions: Uint32Array.of(0, 0, 1, 2),
            theta: 1e4,
          });
          const a = b.attention(q, q, q, { mask });
          return b.sum(
            b.crossEntropy(b.reshape(a, [4, 8]), Uint32Array.of(1, 2), Uint32Array.of(3, 4)),
          );
        });
        await b.download(y);
        y.dispose();
        const { value, gradients } = b.valueAndGradients(
          () => b.sum(b.swiglu(b.matmul(x, w), b.matmul(x, w, { transposeB: true }))),
          [w, norm],
        );
        b.dispose([value, ...gradients]);
        b.scatterUpdate(w, Uint32Array.of(step % 64, 63 - (step % 32)), Float32Array.of(0.5, -0.5));
        counts.push(tf.memory().numTensors - base);
      }
      expect(new Set(counts)).toEqual(new Set([0]));
      expect(b.memory()).toEqual(baseOwn);
      b.dispose([w, norm, x, mask]);
      expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
      expect(tf.memory().numTensors).toBe(base - 4);
    });
  });
}
