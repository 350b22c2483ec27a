import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from './index.js';

describe('reference:cpu specifics', () => {
  it('rejects tensors of another reference instance with TENSOR_FOREIGN', () => {
    const a = createReferenceBackend();
    const b = createReferenceBackend();
    const t = a.fill([2], 1);
    expect(() => b.scale(t, 2)).toThrow(expect.objectContaining({ code: 'TENSOR_FOREIGN' }));
    expect(b.memory().tensors).toBe(0);
  });

  it('a scope returning nothing disposes everything it made', () => {
    const b = createReferenceBackend();
    const w = b.fill([4], 1);
    b.scope(() => {
      b.scatterUpdate(w, Uint32Array.of(1), Float32Array.of(5));
      b.scale(b.add(w, w), 3);
    });
    expect(b.memory()).toEqual({ tensors: 1, bytes: 16 });
  });

  it('a decoder-style forward gives the same loss twice (deterministic)', async () => {
    const b = createReferenceBackend();
    const run = async () => {
      const emb = b.upload(
        Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)),
        [10, 4],
      );
      const loss = b.scope(() => {
        const h = b.embedding(emb, Uint32Array.of(1, 2, 3), [1, 3]);
        const logits = b.matmul(h, emb, { transposeB: true });
        return b.sum(b.crossEntropy(logits, Uint32Array.of(0, 1), Uint32Array.of(2, 3)));
      });
      const value = (await b.download(loss))[0];
      b.dispose([emb, loss]);
      return value;
    };
    expect(await run()).toBe(await run());
    expect(b.memory().tensors).toBe(0);
  });
});
