import { describe, expect, it } from 'vitest';
import { readVarint, varintLength, writeVarint } from '../src/protocol/varint.js';
import { expectProtocolError } from './protocol-v2-samples.js';

const encode = (value: number) => {
  const bytes = new Uint8Array(varintLength(value));
  expect(writeVarint(bytes, 0, value)).toBe(bytes.length);
  return Buffer.from(bytes).toString('hex');
};

describe('unsigned LEB128 varints', () => {
  it('matches the LEB128 known answers', () => {
    expect(encode(0)).toBe('00');
    expect(encode(1)).toBe('01');
    expect(encode(127)).toBe('7f');
    expect(encode(128)).toBe('8001');
    expect(encode(300)).toBe('ac02');
    expect(encode(16383)).toBe('ff7f');
    expect(encode(16384)).toBe('808001');
    expect(encode(624485)).toBe('e58e26'); // the Wikipedia example
    expect(encode(0xffffffff)).toBe('ffffffff0f');
    expect(encode(Number.MAX_SAFE_INTEGER)).toBe('ffffffffffffff0f');
  });

  it('reads back what it writes, at an offset, and says where it ended', () => {
    for (const value of [0, 1, 127, 128, 300, 2 ** 21, 2 ** 35 + 7, Number.MAX_SAFE_INTEGER]) {
      const bytes = new Uint8Array(3 + varintLength(value));
      const end = writeVarint(bytes, 3, value);
      expect(readVarint(bytes, 3, bytes.length, 'v')).toEqual([value, end]);
    }
  });

  it('rejects non-canonical, overlong, too large and cut varints, and bad values to write', () => {
    const read =
      (...b: number[]) =>
      () =>
        readVarint(Uint8Array.from(b), 0, b.length, 'x');
    expect(expectProtocolError(read(0x80, 0x00)).message).toMatch(/shortest form/);
    expect(expectProtocolError(read(0xff, 0x80, 0x00)).message).toMatch(/shortest form/);
    expect(expectProtocolError(read(0x80, 0x80)).message).toMatch(/runs past/);
    expect(expectProtocolError(read()).message).toMatch(/runs past/);
    expect(
      expectProtocolError(read(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).message,
    ).toMatch(/longer than 8/);
    expect(
      expectProtocolError(read(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)).message,
    ).toMatch(/2\^53/);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
      expectProtocolError(() => varintLength(bad));
      expectProtocolError(() => writeVarint(new Uint8Array(16), 0, bad));
    }
  });
});
