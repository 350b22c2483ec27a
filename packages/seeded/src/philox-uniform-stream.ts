import { SeededError } from './errors.js';
import { philox4x32Into } from './philox.js';
import { seedToKey } from './seed-key.js';
import { bits53, INV_2_53 } from './unit-interval.js';

const INV_2_32 = 1 / 4294967296;

/** What the seeded samplers of this package draw from (a `PhiloxUniformStream` fits). */
export interface UniformRandom {
  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform double in the open interval (0, 1). */
  nextOpenUnit(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  nextBelow(n: number): number;
}

function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new SeededError(
      'SEEDED_INVALID_ARGUMENT',
      `${name} must be an integer in [0, 2^32), got ${value}`,
    );
  }
}

/**
 * Philox uniform stream v1: a seeded, counter-based stream of uniform random numbers.
 * Philox4x32-10 with key = seed and counter = (block, substream, 0, domain); the words of block
 * 0, 1, 2, … are handed out in order. Two streams with different `domain` or `substream` are
 * independent; the same arguments always give the same numbers, on every machine.
 */
export class PhiloxUniformStream implements UniformRandom {
  private readonly k0: number;
  private readonly k1: number;
  private readonly substream: number;
  private readonly domain: number;
  private readonly block = new Uint32Array(4);
  private blockIndex = 0;
  private word = 4;

  /**
   * @param seed 64-bit key.
   * @param domain a 32-bit tag that separates uses (e.g. client sampling vs. partitioning).
   * @param substream a 32-bit index within the domain (e.g. the round number).
   */
  constructor(seed: bigint, domain: number, substream = 0) {
    [this.k0, this.k1] = seedToKey(seed);
    checkUint32('domain', domain);
    checkUint32('substream', substream);
    this.domain = domain;
    this.substream = substream;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    if (this.word === 4) {
      if (this.blockIndex > 0xffffffff) {
        throw new SeededError(
          'SEEDED_STREAM_EXHAUSTED',
          'uniform stream exhausted (2^34 words); use another substream',
        );
      }
      philox4x32Into(this.blockIndex, this.substream, 0, this.domain, this.k0, this.k1, this.block);
      this.blockIndex++;
      this.word = 0;
    }
    return this.block[this.word++]!;
  }

  /** Uniform double in the open interval (0, 1), with 53 random bits from two words. */
  nextOpenUnit(): number {
    const hi = this.nextUint32();
    return (bits53(hi, this.nextUint32()) + 0.5) * INV_2_53;
  }

  /** Uniform integer in [0, n) without modulo bias; n must be an integer in [1, 2^32]. */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new SeededError(
        'SEEDED_INVALID_ARGUMENT',
        `nextBelow needs an integer n in [1, 2^32], got ${n}`,
      );
    }
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform double in [0, 1) with 32 random bits (cheaper than `nextOpenUnit`). */
  nextUnit32(): number {
    return this.nextUint32() * INV_2_32;
  }
}
