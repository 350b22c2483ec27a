import { FRAME_V2_OVERHEAD_BYTES } from './frame-v2.js';
import type {
  AnnounceV2,
  CatchUpSourceV2,
  FinishV2,
  JoinV2,
  RosterV2,
  RoundLogV2,
  ThetaV2,
  UpdateV2,
  WelcomeV2,
} from './messages-v2.js';
import { runDescriptorJson } from './run-descriptor-json.js';
import { varintLength as v } from './varint.js';

/**
 * The size of every protocol v2 frame, in bytes, as a formula. v(x) is the varint length of x:
 * 1 byte below 2^7, 2 below 2^14, 3 below 2^21, 4 below 2^28, 5 below 2^35, … 8 below 2^53.
 * Every frame starts with 4 magic + 1 type bytes and ends with a 4-byte CRC (9 bytes, `FRAME_V2_OVERHEAD_BYTES`).
 *
 * | frame     | bytes                                                                        |
 * |-----------|------------------------------------------------------------------------------|
 * | join      | 9 + v(V) + Σ v(version) + v(numSamples) + v(round)                           |
 * | welcome   | 9 + v(version) + v(L) + L, L = UTF-8 bytes of the descriptor JSON           |
 * | announce  | 9 + v(round) + v(steps) + v(epoch) + v(position) + v(source)                 |
 * | update    | 9 + v(round) + v(n) + 4n + 1 [+ 4 mean] [+ 4 first] [+ 4 last]              |
 * |           |   [+ v(forwardPasses) + v(skippedSteps)] [+ v(k) + 4k delta]                 |
 * | finish    | 9 + v(round) + v(source)                                                     |
 * | round log | 9 + v(round) + v(P) + Σ_c (v(index_c) + v(steps_c)) + 4·d·Σ_c steps_c       |
 * | theta     | 9 + v(round) + v(k) + 4k                                                     |
 * | roster    | 9 + v(from) + v(C) + Σ_c (v(L_c) + L_c + v(numSamples_c)), L_c = id bytes  |
 *
 * n = steps × directions. A ZO update of 10 steps, 1 direction, round < 128: 52 B without loss
 * statistics, 56 B with the loss mean (what `updateV2FromMessage` sends for a `TrainingClient`),
 * 64 B with mean, first and last (`lossFirstLast`; 66 B with the counters too); its g alone is
 * 40 B. (v1: 237–286 B, float64 g and a JSON header.)
 */

/** 9 + v(V) + Σ v(version) + v(numSamples) + v(round). */
export function joinV2ByteLength(m: Pick<JoinV2, 'versions' | 'numSamples' | 'round'>): number {
  let n = FRAME_V2_OVERHEAD_BYTES + v(m.versions.length) + v(m.numSamples) + v(m.round);
  for (const version of m.versions) n += v(version);
  return n;
}

/** 9 + v(version) + v(L) + L. */
export function welcomeV2ByteLength(m: Pick<WelcomeV2, 'version' | 'run'>): number {
  const L = new TextEncoder().encode(runDescriptorJson(m.run)).length;
  return FRAME_V2_OVERHEAD_BYTES + v(m.version) + v(L) + L;
}

/**
 * The varint a catch-up source is written as: 0 none, 1 θ snapshot, 2 + from round logs (so
 * v(source) is 1 byte while from < 126).
 */
export function catchUpSourceV2Value(c: CatchUpSourceV2): number {
  return c.kind === 'none' ? 0 : c.kind === 'theta' ? 1 : 2 + c.from;
}

/** 9 + v(round) + v(steps) + v(epoch) + v(position) + v(source). */
export function announceV2ByteLength(
  m: Pick<AnnounceV2, 'round' | 'steps' | 'cursor' | 'catchUp'>,
): number {
  return (
    FRAME_V2_OVERHEAD_BYTES +
    v(m.round) +
    v(m.steps) +
    v(m.cursor.epoch) +
    v(m.cursor.position) +
    v(catchUpSourceV2Value(m.catchUp))
  );
}

/** 9 + v(round) + v(n) + 4n + 1 [+ 4 per loss value] [+ v(fp) + v(skipped)] [+ v(k) + 4k]. */
export function updateV2ByteLength(
  m: Pick<UpdateV2, 'round' | 'g' | 'loss' | 'counters' | 'delta'>,
): number {
  const n = m.g.length;
  let bytes = FRAME_V2_OVERHEAD_BYTES + v(m.round) + v(n) + 4 * n + 1;
  if (m.loss !== undefined) {
    bytes += 4 + (m.loss.first === undefined ? 0 : 4) + (m.loss.last === undefined ? 0 : 4);
  }
  if (m.counters !== undefined) {
    bytes += v(m.counters.forwardPasses) + v(m.counters.skippedSteps);
  }
  if (m.delta !== undefined) bytes += v(m.delta.length) + 4 * m.delta.length;
  return bytes;
}

/** 9 + v(round) + v(source). */
export function finishV2ByteLength(m: Pick<FinishV2, 'round' | 'catchUp'>): number {
  return FRAME_V2_OVERHEAD_BYTES + v(m.round) + v(catchUpSourceV2Value(m.catchUp));
}

/** 9 + v(round) + v(P) + Σ (v(index) + v(steps)) + 4·(Σ steps)·d (= 4 per g value). */
export function roundLogV2ByteLength(log: RoundLogV2): number {
  let bytes = FRAME_V2_OVERHEAD_BYTES + v(log.round) + v(log.participants.length);
  for (const p of log.participants) bytes += v(p.client) + v(p.steps);
  return bytes + 4 * log.g.length;
}

/** 9 + v(round) + v(k) + 4k. */
export function thetaV2ByteLength(frame: ThetaV2): number {
  return thetaV2ByteLengthOf(frame.round, frame.theta.length);
}

/** 9 + v(round) + v(k) + 4k: the θ frame of `k` values before it is built. */
export function thetaV2ByteLengthOf(round: number, k: number): number {
  return FRAME_V2_OVERHEAD_BYTES + v(round) + v(k) + 4 * k;
}

/** 9 + v(from) + v(C) + Σ (v(L) + L + v(numSamples)). */
export function rosterV2ByteLength(roster: RosterV2): number {
  let bytes = FRAME_V2_OVERHEAD_BYTES + v(roster.from) + v(roster.clients.length);
  for (const c of roster.clients) {
    const L = new TextEncoder().encode(c.clientId).length;
    bytes += v(L) + L + v(c.numSamples);
  }
  return bytes;
}

/**
 * Size of a ZO update by shape: 9 + v(round) + v(steps·directions) + 4·steps·directions + 1 +
 * 4·lossValues (0–3). `zoUpdateV2ByteLength(0, 10, 1)` = 52, with `lossValues` 1 → 56, 3 → 64.
 */
export function zoUpdateV2ByteLength(
  round: number,
  steps: number,
  directions: number,
  lossValues: 0 | 1 | 2 | 3 = 0,
): number {
  const n = steps * directions;
  return FRAME_V2_OVERHEAD_BYTES + v(round) + v(n) + 4 * n + 1 + 4 * lossValues;
}
