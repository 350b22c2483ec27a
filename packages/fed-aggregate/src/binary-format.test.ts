import { crc32 } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { BinaryFormat } from './binary-format.js';
import { ByteReader, ByteWriter } from './byte-io.js';
import type { FedAggregateError } from './errors.js';

const format = new BinaryFormat('test blob', 'MKTB', 3, 'Try again.');

function framed(payload: number): Uint8Array {
  const out = new ByteWriter();
  format.writeStart(out);
  out.u32(payload);
  return format.finish(out);
}

function errorOf(f: () => unknown): FedAggregateError {
  try {
    f();
  } catch (error) {
    return error as FedAggregateError;
  }
  throw new Error('expected an error');
}

describe('BinaryFormat frame', () => {
  it('writes ASCII magic, u16 version, payload and the CRC-32 of the preceding bytes', () => {
    const bytes = framed(0xdeadbeef);
    expect(bytes.length).toBe(4 + 2 + 4 + 4);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('MKTB');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint16(4, true)).toBe(3);
    expect(view.getUint32(6, true)).toBe(0xdeadbeef);
    expect(view.getUint32(10, true)).toBe(crc32(bytes.subarray(0, 10)));
    const reader = new ByteReader(bytes, format.name);
    format.readStart(reader);
    expect(reader.u32()).toBe(0xdeadbeef);
    format.checkChecksum(bytes, bytes.length);
  });

  it('rejects a bad magic, another version and a bad checksum with typed errors', () => {
    const badMagic = framed(1);
    badMagic[0] = 0x58;
    const magicError = errorOf(() => format.readStart(new ByteReader(badMagic, format.name)));
    expect(magicError.code).toBe('FED_CORRUPT');
    expect(magicError.message).toBe(
      'test blob is corrupt: bad magic (expected "MKTB"). Try again.',
    );
    const future = framed(1);
    future[4] = 4;
    expect(errorOf(() => format.readStart(new ByteReader(future, format.name))).code).toBe(
      'FED_UNSUPPORTED_VERSION',
    );
    const flipped = framed(1);
    flipped[7]! ^= 1;
    expect(errorOf(() => format.checkChecksum(flipped, flipped.length)).code).toBe('FED_CORRUPT');
  });
});
