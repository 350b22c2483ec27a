import { SparseMaskError } from './errors.js';

const UINT64_MASK = (1n << 64n) - 1n;

/** SplitMix64 step (Steele, Lea & Flood 2014): returns [next state, output]. */
function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & UINT64_MASK;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & UINT64_MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & UINT64_MASK;
  return [next, z ^ (z >> 31n)];
}

/**
 * xoshiro128** 1.0 (Blackman & Vigna), a 32-bit generator in plain int32 arithmetic, so it gives
 * the same stream on every platform. Seeding: two SplitMix64 outputs x, y of the 64-bit seed
 * give the state (s0, s1, s2, s3) = (lo x, hi x, lo y, hi y).
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: bigint) {
    if (typeof seed !== 'bigint' || seed < 0n || seed > UINT64_MASK) {
      throw new SparseMaskError(
        'MASK_INVALID_ARGUMENT',
        `A seed must be a bigint in [0, 2^64), got ${String(seed)}; pass e.g. 42n.`,
      );
    }
    const [state, x] = splitMix64(seed);
    const [, y] = splitMix64(state);
    this.s0 = Number(x & 0xffffffffn) | 0;
    this.s1 = Number(x >> 32n) | 0;
    this.s2 = Number(y & 0xffffffffn) | 0;
    this.s3 = Number(y >> 32n) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32, exact (rejection of the biased tail). */
  nextBelow(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
