import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LmError } from './errors.js';
import { readSafetensors, type SafetensorsFile, type SafetensorsTensor } from './safetensors.js';
import {
  encodeSafetensorsHeader,
  encodeTensorData,
  type SafetensorsSpec,
} from './safetensors-writer.js';

/** Reads a whole file into one Uint8Array in chunks (no 2 GiB `readFileSync` limit). */
export function readFileBytes(path: string): Uint8Array {
  if (!existsSync(path)) {
    throw new LmError('LM_FILE_NOT_FOUND', `${path} does not exist; check the model directory.`);
  }
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, out, done, Math.min(size - done, 1 << 30), done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? out : out.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates one `.safetensors` file (see {@link readSafetensors}); errors name `path`. */
export function loadSafetensorsFile(path: string): SafetensorsFile {
  return readSafetensors(readFileBytes(path), path);
}

/**
 * Loads a sharded checkpoint from its `model.safetensors.index.json`: every shard named in
 * `weight_map` is read, and every mapped tensor must be in the shard it is mapped to
 * (`SAFETENSORS_SHARD` otherwise, naming the tensor and shard). A shard tensor absent from
 * `weight_map` is also an error, so the index and the shards cannot silently disagree.
 */
export function loadShardedSafetensors(indexPath: string): SafetensorsFile {
  const shardError = (message: string) =>
    new LmError('SAFETENSORS_SHARD', `${indexPath}: ${message}`);
  if (!existsSync(indexPath)) {
    throw new LmError(
      'LM_FILE_NOT_FOUND',
      `${indexPath} does not exist; check the model directory.`,
    );
  }
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    throw shardError(`not valid JSON (${(e as Error).message}); re-download the index.`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (
    weightMap === null ||
    typeof weightMap !== 'object' ||
    Array.isArray(weightMap) ||
    !Object.values(weightMap).every((v) => typeof v === 'string')
  ) {
    throw shardError('needs a "weight_map" object mapping tensor names to shard file names.');
  }
  const map = weightMap as Record<string, string>;
  const dir = dirname(indexPath);
  const shards = new Map<string, SafetensorsFile>();
  for (const shard of new Set(Object.values(map))) {
    const path = join(dir, shard);
    if (!existsSync(path))
      throw shardError(
        `shard "${shard}" is listed in weight_map but ${path} does not exist; download every shard.`,
      );
    shards.set(shard, loadSafetensorsFile(path));
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, shard] of Object.entries(map)) {
    const tensor = shards.get(shard)!.tensors.get(name);
    if (tensor === undefined)
      throw shardError(
        `tensor "${name}" is mapped to shard "${shard}" but that shard does not contain it.`,
      );
    tensors.set(name, tensor);
  }
  for (const [shard, file] of shards) {
    for (const name of file.tensors.keys()) {
      if (map[name] !== shard)
        throw shardError(
          `shard "${shard}" holds tensor "${name}", which weight_map maps to ${map[name] === undefined ? 'no shard' : `"${map[name]}"`}; the index and shards disagree.`,
        );
    }
  }
  return { file: indexPath, tensors, metadata: Object.freeze({}) };
}

/** Fills `out` with the tensor's elements [start, start + out.length) in row-major order. */
export type TensorFill = (start: number, out: Float32Array) => void;

/** A tensor to stream to disk: its values either in memory or produced chunk by chunk. */
export interface SafetensorsStreamInput extends SafetensorsSpec {
  readonly data: Float32Array | TensorFill;
}

/**
 * Writes a safetensors file, streaming: at most `chunkElements` float32 values (default 1 Mi)
 * of a generated tensor are in memory at once, so a 500M-parameter checkpoint needs no 2 GB
 * buffer. The file is byte-identical to {@link encodeSafetensors} of the same values.
 */
export function writeSafetensorsFile(
  path: string,
  tensors: readonly SafetensorsStreamInput[],
  options: { metadata?: Readonly<Record<string, string>>; chunkElements?: number } = {},
): void {
  const header = encodeSafetensorsHeader(tensors, options.metadata);
  const chunk = Math.max(1, Math.floor(options.chunkElements ?? 1 << 20));
  const scratch = new Float32Array(chunk);
  const encoded = new Uint8Array(chunk * 4);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header.bytes);
    tensors.forEach((t, i) => {
      const { size, dtype } = header.layout[i]!;
      const width = dtype === 'F32' ? 4 : 2;
      if (t.data instanceof Float32Array && t.data.length !== size) {
        throw new LmError(
          'SAFETENSORS_WRITE_INVALID',
          `Tensor "${t.name}" has shape [${t.shape.join(', ')}] (${size} elements) but data of length ${t.data.length}; ${basename(path)} is incomplete.`,
        );
      }
      for (let start = 0; start < size; start += chunk) {
        const n = Math.min(chunk, size - start);
        let values: Float32Array;
        if (t.data instanceof Float32Array) values = t.data.subarray(start, start + n);
        else {
          values = scratch.subarray(0, n);
          t.data(start, values);
        }
        encodeTensorData(values, dtype, encoded);
        writeSync(fd, encoded, 0, n * width);
      }
    });
  } finally {
    closeSync(fd);
  }
}
