import { ByteWriter } from '@meerkat/fed-aggregate';
import { crc32 } from '@meerkat/seeded';
import { protocolError } from './protocol-error.js';
import { readVarint, varintLength, writeVarint } from './varint.js';

/**
 * Byte writer and reader of protocol v2 frames (little-endian). The reader never reads outside
 * its range and never allocates more than the bytes it has: a count that does not fit is
 * `MEERKAT_PROTOCOL`, not a `RangeError`.
 */

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Appends bytes to a buffer that grows as needed (fed-aggregate's `ByteWriter`), plus varints and the CRC trailer. */
export class FrameWriter extends ByteWriter {
  constructor(initialCapacity = 64) {
    super(initialCapacity);
  }

  varint(value: number): void {
    this.ensure(varintLength(value));
    this.offset = writeVarint(this.buffer, this.offset, value);
  }

  f32(value: number): void {
    this.ensure(4);
    this.view.setFloat32(this.offset, value, true);
    this.offset += 4;
  }

  /** Appends the CRC-32 of every byte written so far and returns the frame, sized exactly. */
  finishWithCrc32(): Uint8Array {
    this.u32(crc32(this.buffer, 0, this.offset));
    return this.buffer.slice(0, this.offset);
  }
}

/** Reads `bytes[start, end)`; every read past `end` is `MEERKAT_PROTOCOL` naming `what`. */
export class FrameReader {
  private readonly view: DataView;
  private offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    start: number,
    private readonly end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(n: number, field: string): number {
    if (n > this.end - this.offset) {
      throw protocolError(
        `${this.what}: ${field} needs ${n} bytes, ${this.end - this.offset} are left before the checksum`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)]!;
  }

  /** A varint; `max` (default 2^53 − 1) bounds it, a larger value is `MEERKAT_PROTOCOL`. */
  varint(field: string, max = Number.MAX_SAFE_INTEGER): number {
    const [value, next] = readVarint(this.bytes, this.offset, this.end, `${this.what}: ${field}`);
    if (value > max) throw protocolError(`${this.what}: ${field} = ${value} exceeds ${max}`);
    this.offset = next;
    return value;
  }

  f32(field: string): number {
    return this.view.getFloat32(this.take(4, field), true);
  }

  /** `count` float32 values; the count is checked against the bytes left before allocating. */
  f32Array(count: number, field: string): Float32Array {
    if (count > this.remaining / 4) {
      throw protocolError(
        `${this.what}: ${field} announces ${count} float32 values, only ${this.remaining} bytes are left`,
      );
    }
    const at = this.take(4 * count, field);
    const out = new Float32Array(count);
    const view = this.view;
    for (let i = 0, o = at; i < count; i++, o += 4) out[i] = view.getFloat32(o, true);
    return out;
  }

  /** `length` bytes as fatal UTF-8. */
  utf8(length: number, field: string): string {
    const at = this.take(length, field);
    try {
      return utf8Decoder.decode(this.bytes.subarray(at, at + length));
    } catch (cause) {
      throw protocolError(`${this.what}: ${field} is not UTF-8`, cause);
    }
  }

  /** Throws unless every byte up to the checksum was read. */
  done(): void {
    if (this.offset !== this.end) {
      throw protocolError(
        `${this.what}: ${this.end - this.offset} unread bytes before the checksum`,
      );
    }
  }
}
