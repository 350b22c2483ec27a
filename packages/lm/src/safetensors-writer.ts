import { LmError } from './errors.js';
import { f32ToBf16Bits, f32ToF16Bits } from './float16.js';
import { DTYPE_SIZE, type SafetensorsDtype } from './safetensors.js';

/** What a writer needs to know about one tensor before its data: name, shape and stored dtype. */
export interface SafetensorsSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** Stored dtype; default F32. F16/BF16 round to nearest, ties to even. */
  readonly dtype?: SafetensorsDtype;
}

/** One tensor to write, with its float32 values in row-major order. */
export interface SafetensorsInput extends SafetensorsSpec {
  readonly data: Float32Array;
}

/** A serialised header: the 8-byte length prefix plus the space-padded JSON, and the data size. */
export interface SafetensorsHeader {
  readonly bytes: Uint8Array;
  /** Total bytes of the data section that must follow. */
  readonly dataLength: number;
  /** Per tensor (in the order given): element count, dtype and byte offset within the data. */
  readonly layout: readonly {
    name: string;
    size: number;
    dtype: SafetensorsDtype;
    begin: number;
  }[];
}

function invalid(message: string): LmError {
  return new LmError('SAFETENSORS_WRITE_INVALID', message);
}

/**
 * Builds the header for `specs`, laid out contiguously in the order given. The JSON is padded
 * with spaces to a multiple of 8 bytes, so F32 data starts 8-byte aligned (as Hugging Face's
 * writer does).
 */
export function encodeSafetensorsHeader(
  specs: readonly SafetensorsSpec[],
  metadata?: Readonly<Record<string, string>>,
): SafetensorsHeader {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0)
    header['__metadata__'] = { ...metadata };
  const layout: { name: string; size: number; dtype: SafetensorsDtype; begin: number }[] = [];
  let offset = 0;
  for (const spec of specs) {
    const dtype = spec.dtype ?? 'F32';
    if (!Object.hasOwn(DTYPE_SIZE, dtype)) {
      throw invalid(
        `Tensor "${spec.name}": dtype ${String(dtype)} is not writable; use F32, F16 or BF16.`,
      );
    }
    if (typeof spec.name !== 'string' || spec.name.length === 0 || spec.name === '__metadata__') {
      throw invalid(
        `Tensor name ${JSON.stringify(spec.name)} is not allowed; use a non-empty name other than __metadata__.`,
      );
    }
    if (spec.name in header)
      throw invalid(`Duplicate tensor name "${spec.name}"; names must be unique.`);
    if (!spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalid(
        `Tensor "${spec.name}" has shape [${spec.shape.join(', ')}]; dims must be non-negative integers.`,
      );
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = size * DTYPE_SIZE[dtype];
    header[spec.name] = { dtype, shape: [...spec.shape], data_offsets: [offset, offset + bytes] };
    layout.push({ name: spec.name, size, dtype, begin: offset });
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoded = new TextEncoder().encode(json);
  const padded = Math.ceil(encoded.length / 8) * 8;
  json += ' '.repeat(padded - encoded.length);
  const out = new Uint8Array(8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  return { bytes: out, dataLength: offset, layout };
}

/**
 * Encodes float32 `values` as `dtype` into `target` (little-endian) starting at byte 0 of
 * `target`; `target` must hold `values.length × dtype size` bytes.
 */
export function encodeTensorData(
  values: Float32Array,
  dtype: SafetensorsDtype,
  target: Uint8Array,
): void {
  if (dtype === 'F32') {
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return;
  }
  const convert = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const h = convert(values[i]!);
    target[j] = h & 0xff;
    target[j + 1] = h >>> 8;
  }
}

/** Serialises tensors (in the order given) to one safetensors file in memory. */
export function encodeSafetensors(
  tensors: readonly SafetensorsInput[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header = encodeSafetensorsHeader(tensors, metadata);
  const out = new Uint8Array(header.bytes.length + header.dataLength);
  out.set(header.bytes, 0);
  tensors.forEach((t, i) => {
    const { size, dtype, begin } = header.layout[i]!;
    if (!(t.data instanceof Float32Array) || t.data.length !== size) {
      throw invalid(
        `Tensor "${t.name}" has shape [${t.shape.join(', ')}] (${size} elements) but data of length ${t.data?.length}; pass a Float32Array of exactly that length.`,
      );
    }
    encodeTensorData(t.data, dtype, out.subarray(header.bytes.length + begin));
  });
  return out;
}
