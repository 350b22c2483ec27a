import { describe, expect, it } from 'vitest';
import { testWords } from '../test/philox-reference.js';
import { crc32 } from './index.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Independent reference: the CRC-32 definition bit by bit, without a table. */
function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('matches the IEEE check value and zlib values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(ascii(''))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('checksums a sub-range [start, end) like the same bytes on their own', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });

  it('agrees with a bitwise reference on random byte strings', () => {
    const next = testWords(7);
    for (let length = 0; length < 300; length += 7) {
      const bytes = Uint8Array.from({ length }, () => next() & 0xff);
      expect(crc32(bytes)).toBe(crcBitwise(bytes));
    }
  });
});
