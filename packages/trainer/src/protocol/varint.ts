import { protocolError } from './protocol-error.js';

/**
 * Unsigned LEB128 varints, as protocol v2 writes every count, round and index: 7 bits per byte,
 * least significant group first, the high bit set on every byte but the last. Values are
 * non-negative safe integers (< 2^53, so at most 8 bytes). Decoding accepts only the canonical
 * (shortest) form, so every value has exactly one encoding and a damaged byte cannot decode to
 * the same value with another length.
 */

/** Longest varint protocol v2 accepts: ⌈53 / 7⌉ bytes. */
export const VARINT_MAX_BYTES = 8;

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw protocolError(`a varint holds a non-negative safe integer, got ${value}`);
  }
}

/** Bytes `value` takes as a varint: 1 below 2^7, 2 below 2^14, …, 8 below 2^53. */
export function varintLength(value: number): number {
  checkValue(value);
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes `value` at `bytes[at]`; returns the offset after it. The caller sizes `bytes`. */
export function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  checkValue(value);
  let v = value;
  while (v >= 0x80) {
    bytes[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  bytes[at++] = v;
  return at;
}

/**
 * Reads the varint at `bytes[at]`, which must end before `end`; returns `[value, next offset]`.
 * A varint that runs past `end`, is longer than 8 bytes, is not in its shortest form or exceeds
 * 2^53 − 1 is `MEERKAT_PROTOCOL`.
 */
export function readVarint(
  bytes: Uint8Array,
  at: number,
  end: number,
  what: string,
): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < VARINT_MAX_BYTES; i++) {
    if (at + i >= end) {
      throw protocolError(`${what}: varint runs past the end of the frame`);
    }
    const b = bytes[at + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (i > 0 && b === 0) {
        throw protocolError(`${what}: varint is not in its shortest form`);
      }
      if (value > Number.MAX_SAFE_INTEGER) {
        throw protocolError(`${what}: varint exceeds 2^53 − 1`);
      }
      return [value, at + i + 1];
    }
    scale *= 0x80;
  }
  throw protocolError(`${what}: varint is longer than ${VARINT_MAX_BYTES} bytes`);
}
