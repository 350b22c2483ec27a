import { describe, expect, it } from 'vitest';
import { fillDirection, fillDirectionRange } from './directions.js';
import { boxMullerProbe, gaussianBlockKernel, gaussianWasmModuleBytes } from './gaussian-wasm.js';
import { philoxBlockKernel, WASM_CHUNK_BLOCKS } from './philox-wasm.js';

/** Random Philox words checked (ZO_FDLIBM_WORDS overrides; 10^7 take ≈1.5 s). */
const RANDOM_WORDS = Number(process.env['ZO_FDLIBM_WORDS'] ?? 10_000_000);

/** Counts words whose kernel (radius, cos, sin) differ from Math.* in any bit. */
function mismatches(words: Uint32Array): { count: number; first?: string } {
  const out = new Float64Array(3 * words.length);
  boxMullerProbe!(words, out);
  let count = 0;
  let first: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const u = (words[i]! + 0.5) / 4294967296;
    const angle = 2 * Math.PI * u;
    const r = Math.sqrt(-2 * Math.log(u));
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    if (
      !Object.is(out[3 * i], r) ||
      !Object.is(out[3 * i + 1], cos) ||
      !Object.is(out[3 * i + 2], sin)
    ) {
      count++;
      first ??= `word ${words[i]}: Math ${[r, cos, sin]}, kernel ${Array.from(out.subarray(3 * i, 3 * i + 3))}`;
    }
  }
  return first === undefined ? { count } : { count, first };
}

/** Every word within ±5000 of a multiple of 2^29 (angles k·π/4), of 0 and of 2^32 − 1. */
function edgeWords(): Uint32Array {
  const words = new Set<number>();
  const centers = [...Array.from({ length: 9 }, (_, m) => m * 2 ** 29), 0, 2 ** 32 - 1];
  for (const center of centers) {
    for (let d = -5000; d <= 5000; d++) {
      const x = center + d;
      if (x >= 0 && x < 2 ** 32) words.add(x);
    }
  }
  return Uint32Array.from(words);
}

describe.skipIf(boxMullerProbe === undefined)(
  'fdlibm ports in the Gaussian WebAssembly kernel',
  () => {
    it('assembles a valid module of a few kilobytes', () => {
      const bytes = gaussianWasmModuleBytes();
      expect(gaussianBlockKernel).toBeDefined(); // it compiled and instantiated
      expect(bytes.length).toBeLessThan(8192);
    });

    it('equals Math.log/cos/sin (Node 20, fdlibm) bit for bit near every multiple of π/4 and the ends', () => {
      const words = edgeWords();
      expect(words.length).toBe(7 * 10001 + 2 * 5001); // 2^32 − 1 ± 5000 covers 2^32 − 5000 ..
      expect(mismatches(words)).toEqual({ count: 0 });
    });

    it(`equals Math.log/cos/sin bit for bit on ${RANDOM_WORDS} random Philox words`, () => {
      const words = new Uint32Array(RANDOM_WORDS);
      const chunkWords = 4 * WASM_CHUNK_BLOCKS;
      for (let b = 0; 4 * b < RANDOM_WORDS; b += WASM_CHUNK_BLOCKS) {
        const chunk = philoxBlockKernel!(0x9e3779b9, 0x7f4a7c15, 3, b, WASM_CHUNK_BLOCKS);
        words.set(chunk.subarray(0, Math.min(chunkWords, RANDOM_WORDS - 4 * b)), 4 * b);
      }
      expect(mismatches(words)).toEqual({ count: 0 });
    }, 60_000);

    it('takes the reduction branches the test means to cover', () => {
      // Angles whose high word equals π/2's (33+33+53-bit branch) or n·π/2's (cancellation checks).
      const view = new DataView(new ArrayBuffer(8));
      const hits = new Set<number>();
      for (const x of edgeWords()) {
        view.setFloat64(0, 2 * Math.PI * ((x + 0.5) / 4294967296));
        const hw = view.getUint32(0);
        if ([0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb].includes(hw)) hits.add(hw);
      }
      expect(hits.size).toBe(4);
    });
  },
);

describe.skipIf(gaussianBlockKernel === undefined)('Gaussian WebAssembly directions', () => {
  it('equal the pure-JS path bit for bit for many seeds, streams, lengths and offsets', () => {
    const seeds = [0n, 1n, 42n, 0xdeadbeefcafebaben, 2n ** 64n - 1n, 0x123456789n];
    for (const seed of seeds) {
      for (const stream of [0, 1, 7, 0xffffffff]) {
        for (const length of [0, 1, 3, 4, 5, 17, 4 * WASM_CHUNK_BLOCKS + 3, 40_001]) {
          const js = fillDirection(seed, new Float32Array(length), { stream, engine: 'js' });
          const wasm = fillDirection(seed, new Float32Array(length), { stream });
          expect(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer))).toBe(true);
        }
        for (const from of [1, 2, 3, 4, 16_383, 16_384, 16_385, 1_000_001, 2 ** 33 - 9]) {
          for (const length of [1, 2, 6, 33, 4 * WASM_CHUNK_BLOCKS + 5]) {
            const js = fillDirectionRange(seed, new Float32Array(length), from, {
              stream,
              engine: 'js',
            });
            const wasm = fillDirectionRange(seed, new Float32Array(length), from, { stream });
            expect(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer))).toBe(true);
          }
        }
      }
    }
  });

  it('kernel blocks equal the pure-JS entries', () => {
    for (const [first, count] of [
      [0, 1],
      [5, 4096],
      [2 ** 32 - 4097, 4096],
      [123_456_789, 777],
    ] as const) {
      const js = fillDirectionRange(77n, new Float32Array(4 * count), 4 * first, {
        stream: 2,
        engine: 'js',
      });
      const entries = gaussianBlockKernel!(77, 0, 2, first, count).subarray(0, 4 * count);
      expect(Buffer.from(entries.slice().buffer).equals(Buffer.from(js.buffer))).toBe(true);
    }
  });
});
