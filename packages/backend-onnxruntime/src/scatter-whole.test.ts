import { describe, expect, it } from 'vitest';
import { createOrtBackend } from './node-engines.js';

// A full-parameter write (indices 0 … size − 1 in order) is one copy; anything else, including
// the same indices permuted, takes the checked path, with the same errors.
describe('scatterUpdate of a whole tensor', () => {
  it('writes every entry, in order or permuted, and rejects a wrong length', async () => {
    const backend = await createOrtBackend({ engine: 'cpu' });
    const w = backend.upload(new Float32Array(6), [2, 3]);
    backend.scatterUpdate(w, Uint32Array.of(0, 1, 2, 3, 4, 5), Float32Array.of(1, 2, 3, 4, 5, 6));
    expect([...(await backend.download(w))]).toEqual([1, 2, 3, 4, 5, 6]);
    backend.scatterUpdate(w, Uint32Array.of(5, 4, 3, 2, 1, 0), Float32Array.of(1, 2, 3, 4, 5, 6));
    expect([...(await backend.download(w))]).toEqual([6, 5, 4, 3, 2, 1]);
    expect(() =>
      backend.scatterUpdate(w, Uint32Array.of(0, 1, 2, 3, 4, 5), new Float32Array(5)),
    ).toThrow(expect.objectContaining({ code: 'TENSOR_SHAPE_MISMATCH' }));
    expect(() =>
      backend.scatterUpdate(w, Uint32Array.of(0, 1, 2, 3, 4, 4), new Float32Array(6)),
    ).toThrow(expect.objectContaining({ code: 'TENSOR_INVALID_ARGUMENT' }));
    expect([...(await backend.download(w))]).toEqual([6, 5, 4, 3, 2, 1]);
    w.dispose();
  });
});
