import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '@meerkat/seeded';
import { MeerkatError } from './errors.js';
import { type RoundMetrics, RUN_FILES } from './run-files.js';

/** Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The files of one run directory (RUN_FILES), written the way resume expects. */
export class RunDirectory {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(file: keyof typeof RUN_FILES | 'mask'): string {
    return join(this.dir, file === 'mask' ? 'mask.bin' : RUN_FILES[file]);
  }

  /** Appends one metrics line (and fsyncs, so a line the test sees is durable). */
  appendMetrics(metrics: RoundMetrics): void {
    const fd = openSync(this.path('metrics'), 'a');
    try {
      writeSync(fd, `${JSON.stringify(metrics)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The complete metrics lines on disk (a torn last line is dropped). */
  readMetrics(): RoundMetrics[] {
    if (!existsSync(this.path('metrics'))) return [];
    const text = readFileSync(this.path('metrics'), 'utf8');
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a torn line
    return lines.map((l) => JSON.parse(l) as RoundMetrics);
  }

  /** Keeps only the first `count` metrics lines (resume: lines after the checkpoint go). */
  truncateMetrics(count: number): void {
    const kept = this.readMetrics().slice(0, count);
    writeFileAtomic(this.path('metrics'), kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }

  /** Writes checkpoint.bin atomically (after the round's metrics line). */
  writeCheckpoint(bytes: Uint8Array): void {
    writeFileAtomic(this.path('checkpoint'), bytes);
  }

  writeJson(file: 'summary' | 'config' | 'gradip', value: unknown): void {
    writeFileAtomic(this.path(file), `${JSON.stringify(value, null, 2)}\n`);
  }
}

/** theta.bin: "MKTHETA\0", u32 version 1, u32 k, 16 ASCII hex of the layout fingerprint, f32 × k, CRC-32. */
const THETA_MAGIC = 'MKTHETA\0';

export function encodeThetaFile(theta: Float32Array, layoutFingerprint: string): Uint8Array {
  const out = new Uint8Array(32 + 4 * theta.length + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(THETA_MAGIC), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, theta.length, true);
  out.set(new TextEncoder().encode(layoutFingerprint.padEnd(16, '0').slice(0, 16)), 16);
  out.set(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength), 32);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Reads theta.bin back: the trained values and the layout fingerprint they belong to. */
export function decodeThetaFile(bytes: Uint8Array): {
  theta: Float32Array;
  layoutFingerprint: string;
} {
  const bad = (why: string) => new MeerkatError('MEERKAT_CHECKPOINT_INVALID', `theta file: ${why}`);
  if (bytes.length < 36 || new TextDecoder().decode(bytes.subarray(0, 8)) !== THETA_MAGIC)
    throw bad('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== 1) throw bad(`version ${view.getUint32(8, true)} is not 1`);
  const k = view.getUint32(12, true);
  if (bytes.length !== 36 + 4 * k) throw bad(`length ${bytes.length} does not fit k = ${k}`);
  if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4)))
    throw bad('checksum mismatch');
  const theta = new Float32Array(k);
  new Uint8Array(theta.buffer).set(bytes.subarray(32, 32 + 4 * k));
  return { theta, layoutFingerprint: new TextDecoder().decode(bytes.subarray(16, 32)) };
}
