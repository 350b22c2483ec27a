import { FedAggregateError } from './errors.js';

/**
 * Little-endian binary writer that grows as needed. Exported for the other binary formats of
 * the project (the trainer's protocol v2 frames extend it with varints and a CRC-32 trailer).
 */
export class ByteWriter {
  protected buffer: Uint8Array;
  protected view: DataView;
  protected offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  get length(): number {
    return this.offset;
  }

  protected ensure(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.ensure(1);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  u16(value: number): void {
    this.ensure(2);
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  u64(value: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.offset, value, true);
    this.offset += 8;
  }

  f64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }

  f32Array(values: Float32Array): void {
    this.ensure(values.length * 4);
    const view = this.view;
    let o = this.offset;
    for (let i = 0; i < values.length; i++, o += 4) view.setFloat32(o, values[i]!, true);
    this.offset = o;
  }

  bytes(values: Uint8Array): void {
    this.ensure(values.length);
    this.buffer.set(values, this.offset);
    this.offset += values.length;
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }
}

/** Little-endian binary reader; reading past the end throws `FED_TRUNCATED`. */
export class ByteReader {
  private readonly view: DataView;
  private offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(n: number): number {
    if (!(n >= 0) || this.offset + n > this.end) {
      throw new FedAggregateError(
        'FED_TRUNCATED',
        `${this.what} is truncated: needed ${n} more bytes at offset ${this.offset} of ${this.end}. Re-fetch the full payload.`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }

  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  f32Array(count: number): Float32Array {
    const at = this.take(count * 4);
    const out = new Float32Array(count);
    const view = this.view;
    for (let i = 0, o = at; i < count; i++, o += 4) out[i] = view.getFloat32(o, true);
    return out;
  }

  bytesView(count: number): Uint8Array {
    const at = this.take(count);
    return this.bytes.subarray(at, at + count);
  }
}
