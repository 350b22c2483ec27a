import { describe, expect, it } from 'vitest';
import { isTensorError } from './errors.js';
import { checkScatterIndices } from './shapes.js';

// Both paths of the index check (sorted copy for few indices, bitset for many) reject the same
// inputs with the same codes.
describe('checkScatterIndices', () => {
  const code = (f: () => void) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return isTensorError(e) ? e.code : 'other';
    }
  };
  it.each([
    ['few of many (sorted copy)', 1_000_000, 10],
    ['all of a weight (bitset)', 1000, 1000],
  ])(
    '%s: accepts distinct in-range indices, rejects duplicates and out-of-range',
    (_l, size, n) => {
      const ok = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % size);
      expect(new Set(ok).size).toBe(n);
      const values = new Float32Array(n);
      expect(code(() => checkScatterIndices(size, ok, values))).toBe('ok');
      const dup = ok.slice();
      dup[n - 1] = dup[0]!;
      expect(code(() => checkScatterIndices(size, dup, values))).toBe('TENSOR_INVALID_ARGUMENT');
      const out = ok.slice();
      out[n >> 1] = size;
      expect(code(() => checkScatterIndices(size, out, values))).toBe('TENSOR_INVALID_ARGUMENT');
      expect(code(() => checkScatterIndices(size, ok, new Float32Array(n + 1)))).toBe(
        'TENSOR_SHAPE_MISMATCH',
      );
    },
  );
});
