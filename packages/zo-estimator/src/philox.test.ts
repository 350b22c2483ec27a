import { describe, expect, it } from 'vitest';
import { philox4x32 } from './index.js';

/** Random123 `kat_vectors`: counter[4], key[2] -> output[4] (hex words). */
const KNOWN_ANSWERS: ReadonlyArray<{
  rounds: number;
  counter: number[];
  key: number[];
  expected: number[];
}> = [
  {
    rounds: 10,
    counter: [0, 0, 0, 0],
    key: [0, 0],
    expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  },
  {
    rounds: 10,
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    rounds: 10,
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
  {
    rounds: 7,
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    expected: [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a],
  },
];

/** Independent reference: Philox4x32 in BigInt arithmetic, straight from the paper. */
function philoxBigInt(counter: number[], key: number[], rounds: number): number[] {
  const mask = 0xffffffffn;
  let [c0, c1, c2, c3] = counter.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & mask;
      k1 = (k1 + 0xbb67ae85n) & mask;
    }
    const p0 = c0 * 0xd2511f53n;
    const p1 = c2 * 0xcd9e8d57n;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
  }
  return [c0, c1, c2, c3].map(Number);
}

describe('philox4x32', () => {
  it.each(KNOWN_ANSWERS)(
    'reproduces Random123 known-answer vector (R=$rounds, key $key)',
    (kat) => {
      const out = philox4x32(new Uint32Array(kat.counter), new Uint32Array(kat.key), kat.rounds);
      expect(Array.from(out)).toEqual(kat.expected);
    },
  );

  it('agrees with a BigInt reference on random counters and keys', () => {
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state ^ (state >>> 11) ^ Math.imul(state, 2654435761)) >>> 0;
    };
    for (let t = 0; t < 500; t++) {
      const counter = [next(), next(), next(), next()];
      const key = [next(), next()];
      const out = philox4x32(new Uint32Array(counter), new Uint32Array(key));
      expect(Array.from(out)).toEqual(philoxBigInt(counter, key, 10));
    }
  });

  it('rejects a wrongly sized counter or key', () => {
    expect(() => philox4x32(new Uint32Array(3), new Uint32Array(2))).toThrow(RangeError);
    expect(() => philox4x32(new Uint32Array(4), new Uint32Array(1))).toThrow(RangeError);
  });
});
