import { describe, expect, it } from 'vitest';
import { fnv1a64Hex } from './fnv1a64.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Independent BigInt FNV-1a 64 reference. */
function fnvRef(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('fnv1a64Hex', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64Hex(ascii(''))).toBe('cbf29ce484222325');
    expect(fnv1a64Hex(ascii('a'))).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex(ascii('foobar'))).toBe('85944171f73967e8');
  });

  it('matches a BigInt reference on random byte strings', () => {
    let x = 12345;
    for (let t = 0; t < 200; t++) {
      const bytes = new Uint8Array(t);
      for (let i = 0; i < t; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        bytes[i] = x >>> 24;
      }
      expect(fnv1a64Hex(bytes)).toBe(fnvRef(bytes));
    }
  });
});
