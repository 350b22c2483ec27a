import { describe, expect, it } from 'vitest';
import { keyOf, philoxReference } from '../test/philox-reference.js';
import { PhiloxUniformStream, SeededError } from './index.js';

const SEED = 123456789012345n;
const DOMAIN = 0x50415254; // "PART", fed-aggregate's partition domain
const stream = () => new PhiloxUniformStream(SEED, DOMAIN, 7);

describe('Philox uniform stream v1', () => {
  it('reproduces its known-answer values (pinned from fed-aggregate before the move)', () => {
    const r = stream();
    expect(Array.from({ length: 9 }, () => r.nextUint32())).toEqual([
      1923627452, 4038752916, 2458502975, 550662230, 237570116, 995531245, 2000028488, 4254782194,
      4164432005,
    ]);
    expect(Array.from({ length: 5 }, () => r.nextOpenUnit())).toEqual([
      0.8788470910195039, 0.38952583854736483, 0.29743088471595186, 0.5100968737723286,
      0.0009599528933102452,
    ]);
    expect(Array.from({ length: 9 }, (_, i) => r.nextBelow(i * 1000 + 3))).toEqual([
      2, 718, 76, 719, 2563, 2192, 2161, 1494, 7163,
    ]);
    expect(Array.from({ length: 5 }, () => r.nextUnit32())).toEqual([
      0.9729899212252349, 0.7532821800559759, 0.6926594462711364, 0.40090268570929766,
      0.9055400036741048,
    ]);
  });

  it('hands out the words of Philox blocks (block, substream, 0, domain) in order', () => {
    const r = stream();
    const words = Array.from({ length: 12 }, () => r.nextUint32());
    const expected = [0, 1, 2].flatMap((b) => philoxReference([b, 7, 0, DOMAIN], keyOf(SEED)));
    expect(words).toEqual(expected);
    const open = new PhiloxUniformStream(SEED, DOMAIN, 7).nextOpenUnit();
    expect(open).toBe(((expected[0]! >>> 5) * 2 ** 26 + (expected[1]! >>> 6) + 0.5) / 2 ** 53);
  });

  it('is reproducible and separates domains and substreams', () => {
    const draw = (d: number, s: number) => {
      const r = new PhiloxUniformStream(5n, d, s);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(1, 2)).toEqual(draw(1, 2));
    expect(draw(1, 2)).not.toEqual(draw(1, 3));
    expect(draw(1, 2)).not.toEqual(draw(2, 2));
  });

  it('nextOpenUnit stays in (0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new PhiloxUniformStream(1n, 7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.nextOpenUnit();
      if (u > 0 && u < 1) inside++;
      sum += u;
      sq += u * u;
    }
    expect(inside).toBe(n);
    const mean = sum / n;
    // Standard errors: σ/√n with σ² = 1/12; var(U²) = 1/5 − 1/9.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sq / n - 1 / 3)).toBeLessThan(5 * Math.sqrt((1 / 5 - 1 / 9) / n));
  });

  it('nextBelow rejects the biased tail: n = 3·2^30 keeps words below 3·2^30 only', () => {
    const n = 3 * 2 ** 30;
    const r = new PhiloxUniformStream(9n, 1);
    const reference = new PhiloxUniformStream(9n, 1);
    for (let t = 0; t < 200; t++) {
      let x = reference.nextUint32();
      while (x >= n) x = reference.nextUint32();
      expect(r.nextBelow(n)).toBe(x);
    }
  });

  it('rejects bad seeds, tags and bounds with typed errors', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof SeededError ? error.code : String(error);
      }
      return 'no error';
    };
    expect(codeOf(() => new PhiloxUniformStream(-1n, 0))).toBe('SEEDED_INVALID_SEED');
    expect(codeOf(() => new PhiloxUniformStream(1n, 2 ** 32))).toBe('SEEDED_INVALID_ARGUMENT');
    expect(codeOf(() => new PhiloxUniformStream(1n, 0, -1))).toBe('SEEDED_INVALID_ARGUMENT');
    expect(codeOf(() => new PhiloxUniformStream(1n, 0).nextBelow(0))).toBe(
      'SEEDED_INVALID_ARGUMENT',
    );
    expect(codeOf(() => new PhiloxUniformStream(1n, 0).nextBelow(2 ** 32 + 1))).toBe(
      'SEEDED_INVALID_ARGUMENT',
    );
  });
});
