import { crc32 } from '@meerkat/seeded';
import type { ByteReader, ByteWriter } from './byte-io.js';
import { FedAggregateError } from './errors.js';

/**
 * The frame shared by this package's binary formats (little-endian): a 4-byte ASCII magic read as
 * a u32, a u16 format version, the format's own fields, and a trailing u32 CRC-32 (IEEE) of all
 * preceding bytes.
 */
export class BinaryFormat {
  private readonly magicNumber: number;

  /**
   * @param name used in error messages, e.g. `'replay log'`
   * @param magic four ASCII characters, e.g. `'MKRL'`
   * @param version the version this build writes and reads
   * @param remedy what the reader should do about corrupt bytes (ends `FED_CORRUPT` messages)
   */
  constructor(
    readonly name: string,
    readonly magic: string,
    readonly version: number,
    readonly remedy: string,
  ) {
    let value = 0;
    for (let i = 3; i >= 0; i--) value = value * 256 + magic.charCodeAt(i);
    this.magicNumber = value;
  }

  /** A `FED_CORRUPT` error for this format. */
  corrupt(message: string): FedAggregateError {
    return new FedAggregateError(
      'FED_CORRUPT',
      `${this.name} is corrupt: ${message}. ${this.remedy}`,
    );
  }

  /** Writes the magic and the version. */
  writeStart(out: ByteWriter): void {
    out.u32(this.magicNumber);
    out.u16(this.version);
  }

  /** Appends the CRC-32 of everything written so far and returns the finished bytes. */
  finish(out: ByteWriter): Uint8Array {
    out.u32(crc32(out.finish()));
    return out.finish();
  }

  /** Reads and checks the magic (`FED_CORRUPT`) and the version (`FED_UNSUPPORTED_VERSION`). */
  readStart(header: ByteReader): void {
    if (header.u32() !== this.magicNumber) {
      throw this.corrupt(`bad magic (expected "${this.magic}")`);
    }
    const version = header.u16();
    if (version !== this.version) {
      throw new FedAggregateError(
        'FED_UNSUPPORTED_VERSION',
        `${this.name} format version ${version} is not supported (this build reads version ${this.version}); upgrade @meerkat/fed-aggregate`,
      );
    }
  }

  /** Throws `FED_CORRUPT` unless the u32 at `end − 4` is the CRC-32 of `bytes[0 .. end − 4)`. */
  checkChecksum(bytes: Uint8Array, end: number): void {
    const stored = new DataView(bytes.buffer, bytes.byteOffset + end - 4, 4).getUint32(0, true);
    if (crc32(bytes.subarray(0, end - 4)) !== stored) throw this.corrupt('checksum mismatch');
  }
}
