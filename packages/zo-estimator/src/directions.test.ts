import { describe, expect, it } from 'vitest';
import { fillDirection, fillDirectionRange, philox4x32, ZoError } from './index.js';

/**
 * Protocol vectors for direction stream v1, computed by an independent Python implementation
 * (Philox in arbitrary-precision integers, math.log/cos/sin in float64, rounded to float32).
 */
const PYTHON_VECTORS: ReadonlyArray<{
  seed: bigint;
  gaussian: number[];
  stream1: number[];
  rademacher: number[];
}> = [
  {
    seed: 0n,
    gaussian: [
      0.991137683391571, -0.9246625900268555, -0.6176089644432068, -0.48206859827041626,
      -0.15363822877407074, 0.18082590401172638,
    ],
    stream1: [1.1363673210144043, -0.6758829951286316],
    rademacher: [1, 1, -1, -1, -1, 1, 1, 1],
  },
  {
    seed: 42n,
    gaussian: [
      -0.9701898097991943, 0.19401895999908447, -1.2356207370758057, 1.9239267110824585,
      -0.07318150997161865, 0.13913749158382416,
    ],
    stream1: [-1.635977864265442, 0.09053567051887512],
    rademacher: [1, 1, 1, 1, 1, 1, -1, 1],
  },
  {
    seed: 0xdeadbeefcafebaben,
    gaussian: [
      0.20282119512557983, -0.7055714726448059, -1.0664161443710327, -0.8671197891235352,
      0.5908325910568237, -1.3587920665740967,
    ],
    stream1: [0.9959496855735779, -0.589945912361145],
    rademacher: [1, 1, 1, -1, 1, 1, -1, -1],
  },
];

/** Direct transcription of the v1 spec, one index at a time, on top of the KAT-checked philox. */
function referenceZ(seed: bigint, j: number, stream: number, gaussian: boolean): number {
  const key = new Uint32Array([Number(seed & 0xffffffffn), Number(seed >> 32n)]);
  const x = philox4x32(new Uint32Array([Math.floor(j / 4), stream, 0, 0]), key);
  const i = j % 4;
  if (!gaussian) return x[i]! & 1 ? 1 : -1;
  const u = Array.from(x, (v) => (v + 0.5) / 2 ** 32);
  const pair = i < 2 ? 0 : 2;
  const radius = Math.sqrt(-2 * Math.log(u[pair]!));
  const angle = 2 * Math.PI * u[pair + 1]!;
  return Math.fround(i % 2 === 0 ? radius * Math.cos(angle) : radius * Math.sin(angle));
}

function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function correlation(a: Float32Array, b: Float32Array): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('direction stream v1', () => {
  it.each(PYTHON_VECTORS)('matches the independent Python vectors (seed $seed)', (vector) => {
    expect(Array.from(fillDirection(vector.seed, new Float32Array(6)))).toEqual(vector.gaussian);
    expect(Array.from(fillDirection(vector.seed, new Float32Array(2), { stream: 1 }))).toEqual(
      vector.stream1,
    );
    const rademacher = fillDirection(vector.seed, new Float32Array(8), {
      distribution: 'rademacher',
    });
    expect(Array.from(rademacher)).toEqual(vector.rademacher);
  });

  it('equals the spec transcription for odd lengths, streams and both distributions', () => {
    for (const seed of [1n, 2n ** 63n + 5n, 123456789012345n]) {
      for (const length of [1, 3, 4, 5, 17, 130]) {
        for (const stream of [0, 3]) {
          for (const gaussian of [true, false]) {
            const out = fillDirection(seed, new Float32Array(length), {
              stream,
              distribution: gaussian ? 'gaussian' : 'rademacher',
            });
            for (let j = 0; j < length; j++) {
              expect(out[j]).toBe(referenceZ(seed, j, stream, gaussian));
            }
          }
        }
      }
    }
  });

  it('produces any sub-range [from, to) equal to the same slice of the full direction', () => {
    const full = fillDirection(99n, new Float32Array(1000));
    const ranges: Array<[number, number]> = [
      [0, 1000],
      [1, 2],
      [3, 9],
      [4, 8],
      [5, 6],
      [997, 1000],
      [123, 777],
      [400, 400],
    ];
    for (const [from, to] of ranges) {
      const part = fillDirectionRange(99n, new Float32Array(to - from), from);
      expect(Array.from(part)).toEqual(Array.from(full.subarray(from, to)));
    }
  });

  it('WebAssembly and pure-JS engines give identical entries, across chunk boundaries', () => {
    const n = 4096 * 4 * 2 + 37; // more than two kernel chunks, not block-aligned
    for (const distribution of ['gaussian', 'rademacher'] as const) {
      for (const [seed, stream, from] of [
        [3n, 0, 0],
        [2n ** 64n - 1n, 9, 5],
        [77n, 2, 4 * 4096 - 2],
      ] as const) {
        const viaAuto = fillDirectionRange(seed, new Float32Array(n), from, {
          stream,
          distribution,
        });
        const viaJs = fillDirectionRange(seed, new Float32Array(n), from, {
          stream,
          distribution,
          engine: 'js',
        });
        expect(Buffer.from(viaAuto.buffer).equals(Buffer.from(viaJs.buffer))).toBe(true);
      }
    }
  });

  it('matches the spec transcription at random offsets of a long range', () => {
    const from = 123_457;
    const out = fillDirectionRange(5n, new Float32Array(20_000), from);
    for (let t = 0; t < 200; t++) {
      const i = (t * 7919) % out.length;
      expect(out[i]).toBe(referenceZ(5n, from + i, 0, true));
    }
  });

  it('fills in place and returns the same buffer', () => {
    const out = new Float32Array(10);
    expect(fillDirection(5n, out)).toBe(out);
  });

  it('has mean 0 and variance 1 (Gaussian and Rademacher), within 5 standard errors', () => {
    const n = 200_000;
    for (const distribution of ['gaussian', 'rademacher'] as const) {
      const z = fillDirection(7n, new Float32Array(n), { distribution });
      const m = mean(z);
      let squares = 0;
      let fourth = 0;
      for (const v of z) {
        squares += v * v;
        fourth += v ** 4;
      }
      const variance = squares / n;
      // SE(mean) = 1/sqrt(n); SE(mean of z^2) = sqrt(Var(z^2)/n) with Var(z^2) = E z^4 - 1.
      expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n));
      const varianceSe = Math.sqrt(Math.max(fourth / n - 1, 1e-12) / n);
      if (distribution === 'gaussian') {
        expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
        expect(Math.abs(fourth / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
      } else {
        expect(variance).toBe(1);
        expect(varianceSe).toBeLessThan(1e-5);
      }
    }
  });

  it('is uncorrelated across seeds, streams and neighbouring indices', () => {
    const n = 100_000;
    const bound = 5 / Math.sqrt(n); // sample correlation of independent variables ~ N(0, 1/n)
    const a = fillDirection(1n, new Float32Array(n));
    const b = fillDirection(2n, new Float32Array(n));
    const c = fillDirection(1n, new Float32Array(n), { stream: 1 });
    const hiBit = fillDirection(1n + (1n << 32n), new Float32Array(n));
    expect(Math.abs(correlation(a, b))).toBeLessThan(bound);
    expect(Math.abs(correlation(a, c))).toBeLessThan(bound);
    expect(Math.abs(correlation(a, hiBit))).toBeLessThan(bound);
    for (const lag of [1, 2, 3, 4]) {
      const x = a.subarray(0, n - lag);
      const y = a.subarray(lag);
      expect(Math.abs(correlation(x, y))).toBeLessThan(5 / Math.sqrt(n - lag));
    }
  });

  it('rejects invalid seeds, streams and distributions with typed errors', () => {
    const out = new Float32Array(4);
    expect(() => fillDirection(-1n, out)).toThrow(ZoError);
    expect(() => fillDirection(1n << 64n, out)).toThrow(/\[0, 2\^64\)/);
    expect(() => fillDirection(3 as unknown as bigint, out)).toThrow(ZoError);
    expect(() => fillDirection(1n, out, { stream: -1 })).toThrow(ZoError);
    expect(() => fillDirection(1n, out, { stream: 1.5 })).toThrow(ZoError);
    expect(() =>
      fillDirection(1n, out, { distribution: 'uniform' as unknown as 'gaussian' }),
    ).toThrow(ZoError);
    expect(() => fillDirectionRange(1n, out, -4)).toThrow(ZoError);
    try {
      fillDirection(-5n, out);
    } catch (error) {
      expect((error as ZoError).code).toBe('ZO_INVALID_SEED');
    }
  });
});
