import {
  checkClientId,
  checkFloat32Array,
  checkInteger,
  MAX_PROTOCOL_VERSION,
  U32_MAX,
} from './field-checks.js';
import type { FrameReader, FrameWriter } from './frame-io.js';
import { catchUpSourceV2Value } from './frame-sizes.js';
import { openFrameV2, startFrameV2 } from './frame-v2.js';
import type { CatchUpSourceV2, JoinV2, LossStatsV2, MessageV2, UpdateV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';
import { parseRunDescriptorJson, runDescriptorJson } from './run-descriptor-json.js';

/**
 * Bodies of the per-client v2 frames (envelope in frame-v2.ts; sizes in frame-sizes.ts). All
 * integers are unsigned LEB128 varints, all reals float32 little-endian.
 *
 *   join (1)      versions count V, V versions (strictly ascending, 1–255), numSamples (≥ 1),
 *                 round of the θ held
 *   welcome (2)   chosen version, descriptor length L, L bytes of UTF-8 JSON (run-descriptor-json.ts)
 *   announce (3)  round, steps (≥ 1), cursor epoch, cursor position, catch-up source
 *                 (0 = none, 1 = θ snapshot, 2 + from = round logs from `from`; < round)
 *   update (4)    round, scalar count n, n × f32 g, flags u8, then as flagged:
 *                 [f32 loss mean] [f32 loss first] [f32 loss last]
 *                 [forwardPasses, skippedSteps] [delta count k, k × f32 delta]
 *   finish (5)    the final round, catch-up source (as in announce)
 *
 * Rounds are < 2^32 (deriveSeed's range). Loss statistics are float32 on the wire: decoding
 * gives `Math.fround` of what was encoded; g and delta are Float32Arrays and travel exactly.
 */

/** Bits of an update's flags byte. */
export const UPDATE_V2_FLAGS = {
  /** f32 loss mean follows. */
  lossMean: 0x01,
  /** f32 loss of the first step follows (only with lossMean). */
  lossFirst: 0x02,
  /** f32 loss of the last step follows (only with lossMean). */
  lossLast: 0x04,
  /** forwardPasses and skippedSteps follow (varints). */
  counters: 0x08,
  /** A first-order delta section follows: count k, k × f32. */
  delta: 0x10,
} as const;
const KNOWN_UPDATE_FLAGS = 0x1f;

/** The flags byte `encodeMessageV2` writes for an update. */
export function updateV2Flags(m: Omit<UpdateV2, 'type' | 'clientId'>): number {
  const F = UPDATE_V2_FLAGS;
  let flags = 0;
  if (m.loss !== undefined) {
    flags |= F.lossMean;
    if (m.loss.first !== undefined) flags |= F.lossFirst;
    if (m.loss.last !== undefined) flags |= F.lossLast;
  }
  if (m.counters !== undefined) flags |= F.counters;
  if (m.delta !== undefined) flags |= F.delta;
  return flags;
}

/** The varint of a catch-up source: 0 none, 1 θ snapshot, 2 + from for logs from `from` < round. */
function catchUpSourceTag(what: string, c: CatchUpSourceV2, round: number): number {
  if (c?.kind !== 'none' && c?.kind !== 'theta' && c?.kind !== 'logs') {
    throw protocolError(`${what}: catchUp must be none, logs or theta`);
  }
  if (c.kind === 'logs') checkInteger(`${what}: catchUp.from`, c.from, 0, round - 1);
  return catchUpSourceV2Value(c);
}

function catchUpSourceOfTag(what: string, tag: number, round: number): CatchUpSourceV2 {
  if (tag === 0) return { kind: 'none' };
  if (tag === 1) return { kind: 'theta' };
  const from = tag - 2;
  if (from >= round) {
    throw protocolError(
      `v2 ${what} frame: round logs from round ${from}, not before round ${round}`,
    );
  }
  return { kind: 'logs', from };
}

function writeJoin(out: FrameWriter, m: JoinV2): void {
  if (!Array.isArray(m.versions) || m.versions.length === 0) {
    throw protocolError('join: versions must be a non-empty array');
  }
  out.varint(m.versions.length);
  m.versions.forEach((v, i) => {
    checkInteger(`join: versions[${i}]`, v, 1, MAX_PROTOCOL_VERSION);
    if (i > 0 && v <= m.versions[i - 1]!) {
      throw protocolError(
        `join: versions must be strictly ascending, got [${m.versions.join(', ')}]`,
      );
    }
    out.varint(v);
  });
  checkInteger('join: numSamples', m.numSamples, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('join: round', m.round, 0, U32_MAX);
  out.varint(m.numSamples);
  out.varint(m.round);
}

function writeUpdate(out: FrameWriter, m: UpdateV2): void {
  checkInteger('update: round', m.round, 0, U32_MAX);
  checkFloat32Array('update: g', m.g);
  out.varint(m.round);
  out.varint(m.g.length);
  out.f32Array(m.g);
  out.u8(updateV2Flags(m));
  if (m.loss !== undefined) {
    for (const [name, value] of Object.entries(m.loss)) {
      if (name !== 'mean' && name !== 'first' && name !== 'last') {
        throw protocolError(`update: loss has an unknown field ${name}`);
      }
      if (typeof value !== 'number' && value !== undefined) {
        throw protocolError(`update: loss.${name} must be a number`);
      }
    }
    if (typeof m.loss.mean !== 'number') throw protocolError('update: loss.mean must be a number');
    out.f32(m.loss.mean);
    if (m.loss.first !== undefined) out.f32(m.loss.first);
    if (m.loss.last !== undefined) out.f32(m.loss.last);
  }
  if (m.counters !== undefined) {
    checkInteger('update: forwardPasses', m.counters.forwardPasses, 0, Number.MAX_SAFE_INTEGER);
    checkInteger('update: skippedSteps', m.counters.skippedSteps, 0, Number.MAX_SAFE_INTEGER);
    out.varint(m.counters.forwardPasses);
    out.varint(m.counters.skippedSteps);
  }
  if (m.delta !== undefined) {
    checkFloat32Array('update: delta', m.delta);
    out.varint(m.delta.length);
    out.f32Array(m.delta);
  }
}

/**
 * The v2 frame of a per-client message. The client id is not written (it is the subject);
 * an out-of-range field is `MEERKAT_PROTOCOL`.
 */
export function encodeMessageV2(message: MessageV2): Uint8Array {
  switch (message.type) {
    case 'join': {
      const out = startFrameV2('join');
      writeJoin(out, message);
      return out.finishWithCrc32();
    }
    case 'welcome': {
      checkInteger('welcome: version', message.version, 1, MAX_PROTOCOL_VERSION);
      const json = new TextEncoder().encode(runDescriptorJson(message.run));
      const out = startFrameV2('welcome', json.length + 32);
      out.varint(message.version);
      out.varint(json.length);
      out.bytes(json);
      return out.finishWithCrc32();
    }
    case 'announce': {
      const m = message;
      checkInteger('announce: round', m.round, 0, U32_MAX);
      checkInteger('announce: steps', m.steps, 1, U32_MAX);
      checkInteger('announce: cursor.epoch', m.cursor.epoch, 0, Number.MAX_SAFE_INTEGER);
      checkInteger('announce: cursor.position', m.cursor.position, 0, Number.MAX_SAFE_INTEGER);
      const source = catchUpSourceTag('announce', m.catchUp, m.round);
      const out = startFrameV2('announce');
      out.varint(m.round);
      out.varint(m.steps);
      out.varint(m.cursor.epoch);
      out.varint(m.cursor.position);
      out.varint(source);
      return out.finishWithCrc32();
    }
    case 'update': {
      const scalars = message.g.length + (message.delta?.length ?? 0);
      const out = startFrameV2('update', 4 * scalars + 48);
      writeUpdate(out, message);
      return out.finishWithCrc32();
    }
    case 'finish': {
      checkInteger('finish: round', message.round, 0, U32_MAX);
      const source = catchUpSourceTag('finish', message.catchUp, message.round);
      const out = startFrameV2('finish');
      out.varint(message.round);
      out.varint(source);
      return out.finishWithCrc32();
    }
    default:
      throw protocolError(
        `not a v2 message type: ${JSON.stringify((message as { type?: unknown }).type)}`,
      );
  }
}

function readJoin(body: FrameReader, clientId: string): JoinV2 {
  const count = body.varint('versions count', MAX_PROTOCOL_VERSION);
  if (count === 0) throw protocolError('v2 join frame: the client lists no protocol versions');
  const versions: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = body.varint(`versions[${i}]`, MAX_PROTOCOL_VERSION);
    if (v === 0 || (i > 0 && v <= versions[i - 1]!)) {
      throw protocolError(
        `v2 join frame: versions must be strictly ascending from 1, got ${[...versions, v].join(', ')}`,
      );
    }
    versions.push(v);
  }
  const numSamples = body.varint('numSamples');
  if (numSamples === 0) throw protocolError('v2 join frame: numSamples is 0');
  const round = body.varint('round', U32_MAX);
  return { type: 'join', clientId, versions, numSamples, round };
}

function readLoss(body: FrameReader, flags: number): LossStatsV2 {
  const F = UPDATE_V2_FLAGS;
  const mean = body.f32('loss mean');
  const first = flags & F.lossFirst ? body.f32('loss first') : undefined;
  const last = flags & F.lossLast ? body.f32('loss last') : undefined;
  return {
    mean,
    ...(first === undefined ? {} : { first }),
    ...(last === undefined ? {} : { last }),
  };
}

function readUpdate(body: FrameReader, clientId: string): UpdateV2 {
  const F = UPDATE_V2_FLAGS;
  const round = body.varint('round', U32_MAX);
  const n = body.varint('scalar count');
  const g = body.f32Array(n, 'g');
  const flags = body.u8('flags');
  if ((flags & ~KNOWN_UPDATE_FLAGS) !== 0) {
    throw protocolError(`v2 update frame: unknown flag bits 0x${flags.toString(16)}`);
  }
  if (flags & (F.lossFirst | F.lossLast) && !(flags & F.lossMean)) {
    throw protocolError('v2 update frame: loss first/last flagged without the loss mean');
  }
  const loss = flags & F.lossMean ? readLoss(body, flags) : undefined;
  const counters =
    flags & F.counters
      ? { forwardPasses: body.varint('forwardPasses'), skippedSteps: body.varint('skippedSteps') }
      : undefined;
  const delta = flags & F.delta ? body.f32Array(body.varint('delta count'), 'delta') : undefined;
  return {
    type: 'update',
    clientId,
    round,
    g,
    ...(loss === undefined ? {} : { loss }),
    ...(counters === undefined ? {} : { counters }),
    ...(delta === undefined ? {} : { delta }),
  };
}

/**
 * Decodes a per-client v2 frame that travelled on `clientId`'s subject. A damaged, cut, foreign
 * or malformed frame — and a broadcast frame (round log, θ, roster: decode those with their own
 * decoders) — is `MEERKAT_PROTOCOL`.
 */
export function decodeMessageV2(bytes: Uint8Array, clientId: string): MessageV2 {
  checkClientId(clientId);
  const { type, body } = openFrameV2(bytes);
  let message: MessageV2;
  switch (type) {
    case 'join':
      message = readJoin(body, clientId);
      break;
    case 'welcome': {
      const version = body.varint('version', MAX_PROTOCOL_VERSION);
      if (version === 0) throw protocolError('v2 welcome frame: version 0');
      const length = body.varint('descriptor length');
      const run = parseRunDescriptorJson(
        body.utf8(length, 'descriptor'),
        'v2 welcome frame: descriptor',
      );
      message = { type: 'welcome', clientId, version, run };
      break;
    }
    case 'announce': {
      const round = body.varint('round', U32_MAX);
      const steps = body.varint('steps', U32_MAX);
      if (steps === 0) throw protocolError('v2 announce frame: steps is 0');
      const epoch = body.varint('cursor epoch');
      const position = body.varint('cursor position');
      const catchUp = catchUpSourceOfTag('announce', body.varint('catch-up source'), round);
      message = {
        type: 'announce',
        clientId,
        round,
        steps,
        cursor: { epoch, position },
        catchUp,
      };
      break;
    }
    case 'update':
      message = readUpdate(body, clientId);
      break;
    case 'finish': {
      const round = body.varint('round', U32_MAX);
      const catchUp = catchUpSourceOfTag('finish', body.varint('catch-up source'), round);
      message = { type: 'finish', clientId, round, catchUp };
      break;
    }
    default:
      throw protocolError(
        `a v2 ${type} frame is broadcast data, not a per-client message: decode it with ${
          type === 'round-log'
            ? 'decodeRoundLogV2'
            : type === 'theta'
              ? 'decodeThetaV2'
              : 'decodeRosterV2'
        }`,
      );
  }
  body.done();
  return message;
}
