import { crc32 } from '@meerkat/seeded';
import { SparseMaskError, type SparseMaskErrorCode } from './errors.js';
import type { ParameterLayout } from './layout.js';
import {
  assertMaskMatchesLayout,
  createSparseMask,
  firstInvalidMaskValue,
  type SparseMask,
} from './sparse-mask.js';

/** The 8 magic bytes that open every encoded mask: "MKMASK\0\0". */
export const MASK_MAGIC: Uint8Array = Uint8Array.of(0x4d, 0x4b, 0x4d, 0x41, 0x53, 0x4b, 0, 0);
/** The format version this build writes and reads. */
export const MASK_FORMAT_VERSION = 1;
/** Flag bit: a float32 array of ḡ (gradMean) at the mask follows the indices. */
export const MASK_FLAG_GRAD_MEAN = 1;
/** Flag bit: a float32 array of scores at the mask follows (after gradMean if present). */
export const MASK_FLAG_SCORES = 2;
/** Bytes of the fixed header (magic through varint byte count). */
export const MASK_HEADER_BYTES = 36;

const KNOWN_FLAGS = MASK_FLAG_GRAD_MEAN | MASK_FLAG_SCORES;
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function fail(code: SparseMaskErrorCode, message: string): never {
  throw new SparseMaskError(code, message);
}

function varintLength(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * Serialises a mask (layout in README, "Binary mask format v1"): 36-byte header, indices as
 * LEB128 varints of their deltas (the first from 0), optional float32 gradMean and scores,
 * then a CRC-32 of everything before it. Little-endian throughout.
 */
export function encodeMask(mask: SparseMask): Uint8Array {
  // Re-validate: a hand-built object must not produce a file that decodes to something else.
  const m = createSparseMask(mask);
  const { indices } = m;
  const k = indices.length;
  let varintBytes = 0;
  let prev = 0;
  for (let j = 0; j < k; j++) {
    varintBytes += varintLength(indices[j]! - prev);
    prev = indices[j]!;
  }
  const flags = (m.gradMean ? MASK_FLAG_GRAD_MEAN : 0) | (m.scores ? MASK_FLAG_SCORES : 0);
  const floatArrays = (m.gradMean ? 1 : 0) + (m.scores ? 1 : 0);
  const total = MASK_HEADER_BYTES + varintBytes + 4 * k * floatArrays + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MASK_MAGIC, 0);
  view.setUint16(8, MASK_FORMAT_VERSION, true);
  view.setUint16(10, flags, true);
  view.setUint32(12, Number.parseInt(m.fingerprint.slice(8), 16), true);
  view.setUint32(16, Number.parseInt(m.fingerprint.slice(0, 8), 16), true);
  view.setUint32(20, m.d, true);
  view.setUint32(24, 0, true);
  view.setUint32(28, k, true);
  view.setUint32(32, varintBytes, true);
  let p = MASK_HEADER_BYTES;
  prev = 0;
  for (let j = 0; j < k; j++) {
    let v = indices[j]! - prev;
    prev = indices[j]!;
    while (v >= 0x80) {
      bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    bytes[p++] = v;
  }
  for (const arr of [m.gradMean, m.scores]) {
    if (arr === undefined) continue;
    writeFloat32s(bytes, p, arr);
    p += 4 * k;
  }
  view.setUint32(p, crc32(bytes, 0, p), true);
  return bytes;
}

function writeFloat32s(bytes: Uint8Array, at: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let j = 0; j < values.length; j++) view.setFloat32(at + 4 * j, values[j]!, true);
}

function readFloat32s(bytes: Uint8Array, at: number, k: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) {
    // Uint8Array.prototype.slice always copies; a Node Buffer's own slice is a view into a
    // shared pool, so call the typed-array method explicitly.
    const copy = Uint8Array.prototype.slice.call(bytes, at, at + 4 * k);
    return new Float32Array(copy.buffer, 0, k);
  }
  const out = new Float32Array(k);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let j = 0; j < k; j++) out[j] = view.getFloat32(at + 4 * j, true);
  return out;
}

/**
 * Parses an encoded mask and checks it completely; with `expectedLayout`, also that it belongs
 * to that layout. Every defect raises `SparseMaskError`: MASK_BAD_MAGIC, MASK_TRUNCATED,
 * MASK_UNSUPPORTED_VERSION, MASK_CHECKSUM_MISMATCH, MASK_CORRUPT or MASK_LAYOUT_MISMATCH.
 */
export function decodeMask(bytes: Uint8Array, expectedLayout?: ParameterLayout): SparseMask {
  if (!(bytes instanceof Uint8Array))
    fail('MASK_INVALID_ARGUMENT', 'decodeMask needs a Uint8Array.');
  for (let i = 0; i < Math.min(bytes.length, MASK_MAGIC.length); i++) {
    if (bytes[i] !== MASK_MAGIC[i]) {
      fail('MASK_BAD_MAGIC', 'Not a Meerkat mask: the file does not start with "MKMASK\\0\\0".');
    }
  }
  if (bytes.length < MASK_HEADER_BYTES + 4) {
    fail(
      'MASK_TRUNCATED',
      `A mask is at least ${MASK_HEADER_BYTES + 4} bytes; got ${bytes.length}. The file is cut short.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  if (version !== MASK_FORMAT_VERSION) {
    fail(
      'MASK_UNSUPPORTED_VERSION',
      `Mask format version ${version} is not supported (this build reads version ${MASK_FORMAT_VERSION}); upgrade @meerkat/sparse-mask.`,
    );
  }
  const flags = view.getUint16(10, true);
  const dHigh = view.getUint32(24, true);
  const k = view.getUint32(28, true);
  const varintBytes = view.getUint32(32, true);
  const floatArrays = (flags & MASK_FLAG_GRAD_MEAN ? 1 : 0) + (flags & MASK_FLAG_SCORES ? 1 : 0);
  const expected = MASK_HEADER_BYTES + varintBytes + 4 * k * floatArrays + 4;
  if (bytes.length < expected) {
    fail(
      'MASK_TRUNCATED',
      `The header announces ${expected} bytes but the file has ${bytes.length}; it is cut short (or its header is damaged).`,
    );
  }
  if (bytes.length > expected) {
    fail(
      'MASK_CORRUPT',
      `The header announces ${expected} bytes but the file has ${bytes.length}; there are trailing bytes (or the header is damaged).`,
    );
  }
  const stored = view.getUint32(expected - 4, true);
  const actual = crc32(bytes, 0, expected - 4);
  if (stored !== actual) {
    fail(
      'MASK_CHECKSUM_MISMATCH',
      `CRC-32 mismatch (stored ${hex8(stored)}, computed ${hex8(actual)}): the file is damaged; fetch it again.`,
    );
  }
  if ((flags & ~KNOWN_FLAGS) !== 0)
    fail('MASK_CORRUPT', `Unknown flag bits 0x${flags.toString(16)}.`);
  const d = view.getUint32(20, true);
  if (dHigh !== 0 || d === 0)
    fail('MASK_CORRUPT', `d must be in [1, 2^32), the header says ${dHigh * 2 ** 32 + d}.`);
  if (k === 0 || k > d) fail('MASK_CORRUPT', `k = ${k} must be in [1, d = ${d}].`);
  const fingerprint = hex8(view.getUint32(16, true)) + hex8(view.getUint32(12, true));

  const indices = new Uint32Array(k);
  const end = MASK_HEADER_BYTES + varintBytes;
  let p = MASK_HEADER_BYTES;
  let prev = 0;
  for (let j = 0; j < k; j++) {
    let v = 0;
    let mult = 1;
    for (;;) {
      if (p >= end) {
        fail(
          'MASK_CORRUPT',
          `The index section ends inside index ${j} of ${k}: k does not match the varints.`,
        );
      }
      const byte = bytes[p++]!;
      if (mult === 0x10000000 && byte > 0x0f)
        fail('MASK_CORRUPT', `Varint of index ${j} overflows 32 bits.`);
      v += (byte & 0x7f) * mult;
      if (byte < 0x80) {
        // Canonical LEB128 only (what encodeMask writes): a multi-byte varint may not end in a
        // zero byte, so every mask has exactly one encoding.
        if (byte === 0 && mult > 1)
          fail(
            'MASK_CORRUPT',
            `Varint of index ${j} is overlong (ends in a zero byte): not the canonical encoding encodeMask writes.`,
          );
        break;
      }
      mult *= 128;
    }
    if (j > 0 && v === 0)
      fail('MASK_CORRUPT', `Indices are not strictly increasing at position ${j} (delta 0).`);
    const index = prev + v;
    if (index >= d) fail('MASK_CORRUPT', `Index ${index} at position ${j} is not below d = ${d}.`);
    indices[j] = index;
    prev = index;
  }
  if (p !== end)
    fail(
      'MASK_CORRUPT',
      `${end - p} bytes are left in the index section after k = ${k} indices: k does not match the varints.`,
    );
  let q = end;
  let gradMean: Float32Array | undefined;
  let scores: Float32Array | undefined;
  if (flags & MASK_FLAG_GRAD_MEAN) {
    gradMean = readFloat32s(bytes, q, k);
    q += 4 * k;
  }
  if (flags & MASK_FLAG_SCORES) scores = readFloat32s(bytes, q, k);
  // Values createSparseMask refuses are a content defect of the file, not a caller mistake.
  for (const [name, values, nonNegative] of [
    ['gradMean', gradMean, false],
    ['scores', scores, true],
  ] as const) {
    if (values === undefined) continue;
    const j = firstInvalidMaskValue(values, nonNegative);
    if (j >= 0) {
      fail(
        'MASK_CORRUPT',
        `${name}[${j}] = ${values[j]} is not ${nonNegative ? 'a finite value >= 0' : 'finite'}; the file was not written by a valid mask.`,
      );
    }
  }
  const mask = createSparseMask({ fingerprint, d, indices, gradMean, scores });
  if (expectedLayout !== undefined) assertMaskMatchesLayout(mask, expectedLayout);
  return mask;
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}
