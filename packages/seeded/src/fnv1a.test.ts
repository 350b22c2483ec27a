import { describe, expect, it } from 'vitest';
import { fnv1a32, fnv1a64Hex } from './index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Independent BigInt FNV-1a reference of any width. */
function fnvRef(bytes: Uint8Array, bits: 32n | 64n): bigint {
  const [basis, prime] =
    bits === 32n ? [0x811c9dc5n, 0x01000193n] : [0xcbf29ce484222325n, 0x100000001b3n];
  const mask = (1n << bits) - 1n;
  let h = basis;
  for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & mask;
  return h;
}

/** Deterministic pseudo-random byte strings of lengths 0 .. count − 1. */
function* byteStrings(count: number): Generator<Uint8Array> {
  let x = 12345;
  for (let t = 0; t < count; t++) {
    const bytes = new Uint8Array(t);
    for (let i = 0; i < t; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    yield bytes;
  }
}

/** The published FNV-1a test vectors (Fowler, Noll & Vo): text, 32-bit hash, 64-bit hash. */
const PUBLISHED = [
  ['', 0x811c9dc5, 'cbf29ce484222325'],
  ['a', 0xe40c292c, 'af63dc4c8601ec8c'],
  ['foobar', 0xbf9cf968, '85944171f73967e8'],
] as const;

describe('FNV-1a', () => {
  it.each(PUBLISHED)('matches the published vectors for %j', (text, hash32, hash64) => {
    expect(fnv1a32(utf8(text))).toBe(hash32);
    expect(fnv1a64Hex(utf8(text))).toBe(hash64);
  });

  it('fnv1a32 and fnv1a64Hex match a BigInt reference on random byte strings', () => {
    for (const bytes of byteStrings(200)) {
      expect(BigInt(fnv1a32(bytes))).toBe(fnvRef(bytes, 32n));
      expect(fnv1a64Hex(bytes)).toBe(fnvRef(bytes, 64n).toString(16).padStart(16, '0'));
    }
  });
});
