import { isTensorError, matmulDims, oracleMatmul } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { createGpujsBackend } from './select.js';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const shapes: { a: number[]; b: number[]; transposeB: boolean }[] = [
  { a: [7, 13], b: [5, 13], transposeB: true }, // m, k not multiples of 4
  { a: [8, 64], b: [64, 33], transposeB: false },
  { a: [3, 5, 17], b: [3, 9, 17], transposeB: true }, // batched, tails everywhere
  { a: [2, 6, 8], b: [8, 4], transposeB: false }, // shared B
  { a: [64, 288], b: [768, 288], transposeB: true }, // stories-like projection
];

describe('tiled matmul against the naive triple loop', () => {
  it.each(['webasm', 'cpu'] as const)(
    'gpujs:%s: the row-blocked kernel equals the naive one bit for bit (same k order)',
    async (mode) => {
      const tiled = await createGpujsBackend({ mode });
      const naive = await createGpujsBackend({ mode, matmul: 'naive' });
      for (const [i, { a, b, transposeB }] of shapes.entries()) {
        const A = random(
          a.reduce((x, y) => x * y),
          2 * i + 1,
        );
        const B = random(
          b.reduce((x, y) => x * y),
          2 * i + 2,
        );
        const t = await tiled.download(
          tiled.matmul(tiled.upload(A, a), tiled.upload(B, b), { transposeB }),
        );
        const n = await naive.download(
          naive.matmul(naive.upload(A, a), naive.upload(B, b), { transposeB }),
        );
        expect(t).toEqual(n);
      }
    },
  );

  it('the k-unrolled device kernel (GL/WebGPU path, run on webasm) is within the float32 bound', async () => {
    const b = await createGpujsBackend({ mode: 'webasm', emulateDeviceResidency: true });
    for (const [i, { a, b: bs, transposeB }] of shapes.entries()) {
      const A = random(
        a.reduce((x, y) => x * y),
        2 * i + 1,
      );
      const B = random(
        bs.reduce((x, y) => x * y),
        2 * i + 2,
      );
      const ta = b.upload(A, a);
      const tb = b.upload(B, bs);
      const dims = matmulDims(ta, tb, { transposeB });
      const got = await b.download(b.matmul(ta, tb, { transposeB }));
      const exact = oracleMatmul(Float64Array.from(A), Float64Array.from(B), dims);
      const magnitude = oracleMatmul(
        Float64Array.from(A, Math.abs),
        Float64Array.from(B, Math.abs),
        dims,
      );
      let worst = 0; // error over the allowed bound, worst element
      for (let j = 0; j < exact.length; j++) {
        const allowed = (dims.k + 2) * 2 ** -24 * magnitude[j]!;
        worst = Math.max(worst, Math.abs(got[j]! - exact[j]!) / allowed);
      }
      expect(worst).toBeLessThanOrEqual(1);
    }
  });
});

describe('tensors beyond 2^24 elements', () => {
  it('index exactly (gpu.js indexes in float32, so every view keeps rows and columns below 2^24)', async () => {
    const b = await createGpujsBackend({ mode: 'webasm' });
    const rows = 520;
    const cols = 32_768; // 17,039,360 elements > 2^24 = 16,777,216
    const data = Float32Array.from({ length: rows * cols }, (_, i) => i % 8191);
    const x = b.upload(data, [rows, cols]);
    const y = await b.download(b.scale(x, 2));
    for (const i of [0, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, rows * cols - 1]) {
      expect(y[i]).toBe(2 * (i % 8191));
    }
    const picked = await b.download(
      b.crossEntropy(x, Uint32Array.of(rows - 1), Uint32Array.of(cols - 1)),
    );
    expect(Number.isFinite(picked[0])).toBe(true);
  }, 30_000);

  it('device modes (float32 thread ids) refuse them with TENSOR_UNSUPPORTED instead of a wrong answer', async () => {
    const b = await createGpujsBackend({ mode: 'webasm', emulateDeviceResidency: true });
    const error = (() => {
      try {
        b.fill([2 ** 12, 2 ** 12 + 1], 1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isTensorError(error, 'TENSOR_UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/exact only up to 2\^24/);
    expect(b.memory().tensors).toBe(0);
  });
});
