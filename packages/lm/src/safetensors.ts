import { LmError } from './errors.js';
import { f16Table } from './float16.js';

/** The dtypes this package reads (all widened to float32) and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of each supported dtype. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
});

/** One tensor of a safetensors file. Its data is widened to float32 only when asked for. */
export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape; 1 for a scalar). */
  readonly size: number;
  /** The file (or label) the tensor came from, for error messages. */
  readonly file: string;
  /** The raw little-endian bytes of the tensor (a view into the file, not a copy). */
  readonly bytes: Uint8Array;
  /** A fresh float32 copy of the values (widened from F16/BF16); each call allocates. */
  data(): Float32Array;
}

/** A parsed safetensors file: tensors in file (offset) order, and the `__metadata__` strings. */
export interface SafetensorsFile {
  readonly file: string;
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const HEADER_LIMIT = 100 * 1024 * 1024;

function fail(
  code: 'SAFETENSORS_TRUNCATED' | 'SAFETENSORS_BAD_HEADER',
  file: string,
  message: string,
): LmError {
  return new LmError(code, `${file}: ${message}`);
}

function widen(dtype: SafetensorsDtype, bytes: Uint8Array, size: number): Float32Array {
  const out = new Float32Array(size);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  // Read u16 little-endian values without assuming the source is 2-byte aligned.
  if (dtype === 'F16') {
    const table = f16Table();
    for (let i = 0, j = 0; i < size; i++, j += 2) out[i] = table[bytes[j]! | (bytes[j + 1]! << 8)]!;
    return out;
  }
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, j = 0; i < size; i++, j += 2) bits[i] = (bytes[j]! << 16) | (bytes[j + 1]! << 24);
  return out;
}

function isShape(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  );
}

/**
 * Parses a safetensors file held in memory. Validation (all enforced, in this order):
 * - the 8-byte little-endian header length fits the file (`SAFETENSORS_TRUNCATED`) and is at
 *   most 100 MiB;
 * - the header is UTF-8 JSON object whose entries are `{ dtype, shape, data_offsets }`, plus an
 *   optional `__metadata__` map of strings (`SAFETENSORS_BAD_HEADER`);
 * - dtype is F32, F16 or BF16 (`SAFETENSORS_UNSUPPORTED_DTYPE`);
 * - `data_offsets` `[begin, end]` has 0 ≤ begin ≤ end ≤ data length (`SAFETENSORS_OUT_OF_BOUNDS`,
 *   or `SAFETENSORS_TRUNCATED` when only the file's end is short);
 * - end − begin = shape product × dtype size (`SAFETENSORS_WRONG_LENGTH`);
 * - sorted by begin, tensors do not overlap (`SAFETENSORS_OVERLAP`) and cover the data section
 *   contiguously from byte 0 to its end, with no gaps or trailing bytes (`SAFETENSORS_GAP`), as
 *   the reference Rust implementation requires.
 * Every error names the file and, where one is at fault, the tensor.
 */
export function readSafetensors(bytes: Uint8Array, fileName = '<memory>'): SafetensorsFile {
  if (bytes.length < 8) {
    throw fail(
      'SAFETENSORS_TRUNCATED',
      fileName,
      `file is ${bytes.length} bytes, shorter than the 8-byte header length; the file is truncated or not safetensors.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > HEADER_LIMIT) {
    throw fail(
      'SAFETENSORS_BAD_HEADER',
      fileName,
      `header length ${headerLength} exceeds 100 MiB; the file is not safetensors or is corrupt.`,
    );
  }
  if (8 + headerLength > bytes.length) {
    throw fail(
      'SAFETENSORS_TRUNCATED',
      fileName,
      `header says ${headerLength} header bytes but the file has only ${bytes.length - 8} after the length; the file is truncated (re-download it).`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (e) {
    throw fail(
      'SAFETENSORS_BAD_HEADER',
      fileName,
      `header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt or not safetensors.`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw fail('SAFETENSORS_BAD_HEADER', fileName, 'header JSON must be an object of tensors.');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: {
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    size: number;
    begin: number;
    end: number;
  }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (
        raw === null ||
        typeof raw !== 'object' ||
        Array.isArray(raw) ||
        !Object.values(raw).every((v) => typeof v === 'string')
      ) {
        throw fail('SAFETENSORS_BAD_HEADER', fileName, '__metadata__ must map strings to strings.');
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (entry === null || typeof entry !== 'object') {
      throw fail(
        'SAFETENSORS_BAD_HEADER',
        fileName,
        `tensor "${name}" has no { dtype, shape, data_offsets } entry.`,
      );
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') {
      throw fail('SAFETENSORS_BAD_HEADER', fileName, `tensor "${name}" has no string dtype.`);
    }
    if (!Object.hasOwn(DTYPE_SIZE, dtype)) {
      throw new LmError(
        'SAFETENSORS_UNSUPPORTED_DTYPE',
        `${fileName}: tensor "${name}" has dtype ${dtype}; supported dtypes are F32, F16 and BF16. Convert the checkpoint to one of them (e.g. torch_dtype=float16).`,
      );
    }
    if (!isShape(shape)) {
      throw fail(
        'SAFETENSORS_BAD_HEADER',
        fileName,
        `tensor "${name}" needs a shape of non-negative integers.`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      throw fail(
        'SAFETENSORS_BAD_HEADER',
        fileName,
        `tensor "${name}" needs data_offsets [begin, end] of non-negative integers.`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) {
      throw new LmError(
        'SAFETENSORS_OUT_OF_BOUNDS',
        `${fileName}: tensor "${name}" has data_offsets [${begin}, ${end}] with begin > end; the header is corrupt.`,
      );
    }
    if (end > dataLength) {
      throw new LmError(
        'SAFETENSORS_TRUNCATED',
        `${fileName}: tensor "${name}" ends at data byte ${end} but the data section has only ${dataLength} bytes; the file is truncated (re-download it).`,
      );
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const expected = size * DTYPE_SIZE[dtype as SafetensorsDtype];
    if (end - begin !== expected) {
      throw new LmError(
        'SAFETENSORS_WRONG_LENGTH',
        `${fileName}: tensor "${name}" (${dtype} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets [${begin}, ${end}] give ${end - begin}; the header is corrupt.`,
      );
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape, size, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = '';
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new LmError(
        'SAFETENSORS_OVERLAP',
        `${fileName}: tensor "${e.name}" [${e.begin}, ${e.end}) overlaps tensor "${previous}" (ends at ${cursor}); the header is corrupt.`,
      );
    }
    if (e.begin > cursor) {
      throw new LmError(
        'SAFETENSORS_GAP',
        `${fileName}: bytes [${cursor}, ${e.begin}) before tensor "${e.name}" belong to no tensor; safetensors requires contiguous data, so the header is corrupt.`,
      );
    }
    cursor = e.end;
    previous = e.name;
  }
  if (cursor !== dataLength) {
    throw new LmError(
      'SAFETENSORS_GAP',
      `${fileName}: the data section has ${dataLength - cursor} bytes after the last tensor${previous ? ` "${previous}"` : ''}; the file is corrupt or was appended to.`,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const slice = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const { dtype, size } = e;
    tensors.set(
      e.name,
      Object.freeze({
        name: e.name,
        dtype,
        shape: Object.freeze(e.shape),
        size,
        file: fileName,
        bytes: slice,
        data: () => widen(dtype, slice, size),
      }),
    );
  }
  return { file: fileName, tensors, metadata: Object.freeze(metadata) };
}
