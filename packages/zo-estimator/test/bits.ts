import { expect } from 'vitest';

/** θ's bit patterns (a copy), so comparisons are bit for bit: −0 ≠ 0, NaN payloads kept. */
export function bits(values: Float32Array): Uint32Array {
  const copy = new Float32Array(values.length);
  copy.set(values);
  return new Uint32Array(copy.buffer);
}

/**
 * Asserts two float32 arrays are bit-identical; fast on millions of entries (a deep `toEqual`
 * on big typed arrays is slow) and reports the first differing index.
 */
export function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = bits(actual);
  const b = bits(expected);
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      first = i;
      break;
    }
  }
  expect(
    first === -1
      ? 'identical'
      : `first difference at ${first}: ${actual[first]} vs ${expected[first]}`,
  ).toBe('identical');
}
