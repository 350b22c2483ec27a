import { describe, expect, it } from 'vitest';
import { philoxReference, testWords } from '../test/philox-reference.js';
import { philox4x32, philox4x32Into } from './index.js';

/**
 * Random123's known-answer vectors for philox4x32, one line each as in its `kat_vectors` file:
 * name, rounds, counter[4], key[2], expected output[4] (hex words).
 */
const KAT_VECTORS = [
  'philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000 6627e8d5 e169c58d bc57ac4c 9b00dbd8',
  'philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff 408f276d 41c83b0e a20bc7c6 6d5451fd',
  'philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 d16cfe09 94fdcceb 5001e420 24126ea1',
  'philox4x32 7 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 4dfccaba 190a87f0 c47362ba b6b5242a',
];

const KNOWN_ANSWERS = KAT_VECTORS.map((line) => {
  const [, rounds, ...hex] = line.split(' ');
  const words = hex.map((h) => Number.parseInt(h, 16));
  return {
    rounds: Number(rounds),
    counter: words.slice(0, 4),
    key: words.slice(4, 6),
    expected: words.slice(6, 10),
  };
});

describe('philox4x32', () => {
  it.each(KNOWN_ANSWERS)(
    'reproduces Random123 known-answer vector (R=$rounds, key $key)',
    (kat) => {
      const out = philox4x32(new Uint32Array(kat.counter), new Uint32Array(kat.key), kat.rounds);
      expect(Array.from(out)).toEqual(kat.expected);
    },
  );

  it('agrees with a BigInt reference on random counters and keys', () => {
    const next = testWords(12345);
    for (let t = 0; t < 500; t++) {
      const counter = [next(), next(), next(), next()];
      const key = [next(), next()];
      const out = philox4x32(new Uint32Array(counter), new Uint32Array(key));
      expect(Array.from(out)).toEqual(philoxReference(counter, key, 10));
    }
  });

  it('philox4x32Into writes the same words without allocating', () => {
    const out = new Uint32Array(4);
    philox4x32Into(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(Array.from(out)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  it('rejects a wrongly sized counter or key', () => {
    expect(() => philox4x32(new Uint32Array(3), new Uint32Array(2))).toThrow(RangeError);
    expect(() => philox4x32(new Uint32Array(4), new Uint32Array(1))).toThrow(RangeError);
  });
});
