import { BinaryFormat } from './binary-format.js';
import { ByteReader, ByteWriter } from './byte-io.js';
import { FedAggregateError } from './errors.js';
import { checkReplayLog, type ReplayLog } from './replay-log.js';

/** Current replay-log wire-format version. */
export const REPLAY_LOG_FORMAT_VERSION = 1;
const REPLAY_LOG_FORMAT = new BinaryFormat(
  'replay log',
  'MKRL',
  REPLAY_LOG_FORMAT_VERSION,
  'Re-fetch it.',
);
/** Bytes before the entries: magic, version, distribution, reserved, round, directions, count, reserved, lr. */
export const REPLAY_LOG_HEADER_BYTES = 32;
/** Bytes per entry with one direction: seed u64 + g f64 + p f64 (each extra direction adds 8). */
export const REPLAY_LOG_ENTRY_BYTES = 24;

/** Encoded size of a log with `entries` entries of `directions` scalars: 32 + (16 + 8d)·entries + 4. */
export function replayLogByteLength(entries: number, directions = 1): number {
  return REPLAY_LOG_HEADER_BYTES + (16 + 8 * directions) * entries + 4;
}

/**
 * Encodes a replay log (little-endian):
 * `"MKRL" | u16 version=1 | u8 distribution (0 gaussian, 1 rademacher) | u8 0 | u32 round |
 * u32 directions | u32 count | u32 0 | f64 lr | u64 seeds[count] | f64 g[count·directions] | f64 p[count] |
 * u32 CRC-32 of all preceding bytes`. g and p are float64, so decoding is exact.
 */
export function encodeReplayLog(log: ReplayLog): Uint8Array {
  checkReplayLog(log);
  const n = log.seeds.length;
  const out = new ByteWriter(replayLogByteLength(n, log.directions));
  REPLAY_LOG_FORMAT.writeStart(out);
  out.u8(log.distribution === 'gaussian' ? 0 : 1);
  out.u8(0);
  out.u32(log.round);
  out.u32(log.directions);
  out.u32(n);
  out.u32(0);
  out.f64(log.lr);
  for (let i = 0; i < n; i++) out.u64(log.seeds[i]!);
  for (let j = 0; j < log.g.length; j++) out.f64(log.g[j]!);
  for (let i = 0; i < n; i++) out.f64(log.p[i]!);
  return REPLAY_LOG_FORMAT.finish(out);
}

const corrupt = (message: string): FedAggregateError => REPLAY_LOG_FORMAT.corrupt(message);

/** Decodes `encodeReplayLog` output; throws `FED_TRUNCATED`, `FED_CORRUPT` or `FED_UNSUPPORTED_VERSION`. */
export function decodeReplayLog(bytes: Uint8Array): ReplayLog {
  const header = new ByteReader(bytes, 'replay log');
  REPLAY_LOG_FORMAT.readStart(header);
  const distributionCode = header.u8();
  header.u8();
  const round = header.u32();
  const directions = header.u32();
  const n = header.u32();
  header.u32();
  if (directions < 1) throw corrupt('directions is 0');
  const expected = replayLogByteLength(n, directions);
  if (bytes.length < expected) {
    throw new FedAggregateError(
      'FED_TRUNCATED',
      `replay log is truncated: ${bytes.length} bytes, header says ${expected}. Re-fetch it.`,
    );
  }
  if (bytes.length > expected) throw corrupt(`${bytes.length - expected} trailing bytes`);
  REPLAY_LOG_FORMAT.checkChecksum(bytes, expected);
  if (distributionCode > 1) throw corrupt(`unknown distribution code ${distributionCode}`);
  const lr = header.f64();
  const seeds = new BigUint64Array(n);
  const g = new Float64Array(n * directions);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) seeds[i] = header.u64();
  for (let j = 0; j < g.length; j++) g[j] = header.f64();
  for (let i = 0; i < n; i++) p[i] = header.f64();
  const log: ReplayLog = {
    round,
    lr,
    directions,
    distribution: distributionCode === 0 ? 'gaussian' : 'rademacher',
    seeds,
    g,
    p,
  };
  try {
    checkReplayLog(log);
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : String(error));
  }
  return log;
}
