import { describe, expect, it } from 'vitest';
import { createGpujsBackend } from './select.js';
import type { GpujsTensor } from './tensor-handle.js';

function rawOf(t: unknown): unknown {
  return (t as GpujsTensor).storage?.stored.raw;
}

describe('scatterUpdate writes sparsely', () => {
  it('webasm: in place in the weight’s own array (nothing re-uploaded or copied)', async () => {
    const b = await createGpujsBackend({ mode: 'webasm' });
    const w = b.upload(new Float32Array(4096).fill(1), [64, 64]);
    const before = rawOf(w);
    b.scatterUpdate(w, Uint32Array.of(4095, 0, 77), Float32Array.of(3, 4, 5));
    expect(rawOf(w)).toBe(before);
    const got = await b.download(w);
    expect([got[0], got[77], got[4095], got[1]]).toEqual([4, 5, 3, 1]);
  });

  it('a weight shared with a reshape is copied first, so the reshape keeps its values', async () => {
    const b = await createGpujsBackend({ mode: 'webasm' });
    const w = b.upload(Float32Array.of(1, 2, 3, 4), [2, 2]);
    const flat = b.reshape(w, [4]);
    expect(rawOf(flat)).toBe(rawOf(w));
    b.scatterUpdate(w, Uint32Array.of(2), Float32Array.of(9));
    expect(Array.from(await b.download(w))).toEqual([1, 2, 9, 4]);
    expect(Array.from(await b.download(flat))).toEqual([1, 2, 3, 4]);
    b.dispose([w, flat]);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });

  it('device path: a gather kernel over the old storage with only indices and values uploaded', async () => {
    const b = await createGpujsBackend({ mode: 'webasm', emulateDeviceResidency: true });
    const data = Float32Array.from({ length: 37 * 29 }, (_, i) => i);
    const w = b.upload(data, [37, 29]);
    const indices = Uint32Array.of(1000, 3, 0, 1072, 500);
    const values = Float32Array.of(-1, -2, -3, -4, -5);
    b.scatterUpdate(w, indices, values);
    const expected = data.slice();
    indices.forEach((at, i) => {
      expected[at] = values[i]!;
    });
    expect(await b.download(w)).toEqual(expected);
  });
});
