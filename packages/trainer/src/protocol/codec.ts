import { crc32 } from '@meerkat/seeded';
import { MeerkatError } from '../errors.js';
import type { CatchUp, ProtocolMessage } from './messages.js';

/**
 * Wire format of protocol v1 (little-endian):
 *
 *   0   4 bytes  magic "MKP" + version byte 0x01
 *   4   u8       message type: 1 join, 2 welcome, 3 announce, 4 update, 5 finish
 *   5   u8       0
 *   6   u16      blob count B
 *   8   u32      header length H
 *   12  H bytes  UTF-8 JSON header: every scalar field (typed arrays are blobs)
 *   …   B ×      (u32 length, bytes): typed-array payloads in a fixed order per type
 *   end u32      CRC-32 (IEEE) of every preceding byte
 *
 * Blobs: announce/finish `logs` (one replay log each, fed-aggregate format) or `theta` (f32);
 * update `g` (f64 × steps·directions) then `delta` (f32 × k, empty for ZO).
 */
export const MESSAGE_MAGIC = Uint8Array.of(0x4d, 0x4b, 0x50, 0x01);
const TYPE_CODES = { join: 1, welcome: 2, announce: 3, update: 4, finish: 5 } as const;
const TYPE_NAMES = ['', 'join', 'welcome', 'announce', 'update', 'finish'] as const;
/** Fixed bytes of every frame: magic, type, blob count, header length, CRC. */
export const FRAME_OVERHEAD_BYTES = 16;

function protocolError(message: string): MeerkatError {
  return new MeerkatError('MEERKAT_PROTOCOL', message);
}

function bytesOf(a: Float32Array | Float64Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function splitCatchUp(c: CatchUp, blobs: Uint8Array[]): Record<string, unknown> {
  if (c.kind === 'logs') {
    for (const log of c.logs) blobs.push(log);
    return { kind: 'logs', round: c.round, logs: c.logs.length };
  }
  if (c.kind === 'theta') {
    blobs.push(bytesOf(c.theta));
    return { kind: 'theta', round: c.round };
  }
  return { kind: 'none', round: c.round };
}

/** The wire bytes of a message. */
export function encodeMessage(message: ProtocolMessage): Uint8Array {
  const blobs: Uint8Array[] = [];
  let header: Record<string, unknown>;
  switch (message.type) {
    case 'announce':
    case 'finish': {
      const { catchUp, ...rest } = message;
      header = { ...rest, catchUp: splitCatchUp(catchUp, blobs) };
      break;
    }
    case 'update': {
      const { g, delta, ...rest } = message;
      blobs.push(bytesOf(g), bytesOf(delta));
      header = rest;
      break;
    }
    default:
      header = { ...message };
  }
  delete header.type;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = 12 + json.length + blobs.reduce((s, b) => s + 4 + b.length, 0) + 4;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out.set(MESSAGE_MAGIC, 0);
  out[4] = TYPE_CODES[message.type];
  view.setUint16(6, blobs.length, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  let at = 12 + json.length;
  for (const b of blobs) {
    view.setUint32(at, b.length, true);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

function typed<T extends Float32Array | Float64Array>(
  ctor: { new (n: number): T; BYTES_PER_ELEMENT: number },
  blob: Uint8Array,
  what: string,
): T {
  if (blob.length % ctor.BYTES_PER_ELEMENT !== 0) {
    throw protocolError(`${what}: ${blob.length} bytes is not a whole number of elements`);
  }
  const out = new ctor(blob.length / ctor.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

function joinCatchUp(h: unknown, blobs: Uint8Array[]): CatchUp {
  const c = h as { kind?: unknown; round?: unknown; logs?: unknown };
  if (c === null || typeof c !== 'object' || !Number.isInteger(c.round)) {
    throw protocolError('catchUp: missing or malformed');
  }
  const round = c.round as number;
  if (c.kind === 'none') return { kind: 'none', round };
  if (c.kind === 'logs' && c.logs === blobs.length) return { kind: 'logs', round, logs: blobs };
  if (c.kind === 'theta' && blobs.length === 1) {
    return { kind: 'theta', round, theta: typed(Float32Array, blobs[0]!, 'catchUp.theta') };
  }
  throw protocolError(
    `catchUp: kind ${JSON.stringify(c.kind)} does not match ${blobs.length} blobs`,
  );
}

function requireFields(
  h: Record<string, unknown>,
  fields: Record<string, 'string' | 'number' | 'object'>,
  type: string,
): void {
  for (const [name, kind] of Object.entries(fields)) {
    if (typeof h[name] !== kind || h[name] === null) {
      throw protocolError(
        `${type} message: field ${name} must be a ${kind}, got ${JSON.stringify(h[name])}`,
      );
    }
  }
}

/** Parses and checks wire bytes; a damaged or unknown frame is `MEERKAT_PROTOCOL`. */
export function decodeMessage(bytes: Uint8Array): ProtocolMessage {
  if (bytes.length < FRAME_OVERHEAD_BYTES)
    throw protocolError(`frame of ${bytes.length} bytes is too short`);
  for (let i = 0; i < 3; i++) {
    if (bytes[i] !== MESSAGE_MAGIC[i])
      throw protocolError('not a Meerkat protocol frame (bad magic)');
  }
  if (bytes[3] !== 1)
    throw protocolError(`protocol version ${bytes[3]} is not supported (this build speaks 1)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 4;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end)))
    throw protocolError('checksum mismatch');
  const type = TYPE_NAMES[bytes[4]!];
  if (type === undefined || type === '') throw protocolError(`unknown message type ${bytes[4]}`);
  const blobCount = view.getUint16(6, true);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > end) throw protocolError('header runs past the frame');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)),
    );
  } catch (cause) {
    throw new MeerkatError('MEERKAT_PROTOCOL', 'header is not UTF-8 JSON', { cause });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw protocolError('header is not an object');
  const blobs: Uint8Array[] = [];
  let at = 12 + headerLength;
  for (let i = 0; i < blobCount; i++) {
    if (at + 4 > end) throw protocolError(`blob ${i} runs past the frame`);
    const n = view.getUint32(at, true);
    if (at + 4 + n > end) throw protocolError(`blob ${i} runs past the frame`);
    blobs.push(bytes.slice(at + 4, at + 4 + n));
    at += 4 + n;
  }
  if (at !== end) throw protocolError(`${end - at} trailing bytes before the checksum`);
  if (header.v !== 1) throw protocolError(`header version ${JSON.stringify(header.v)} is not 1`);
  switch (type) {
    case 'join':
      requireFields(header, { clientId: 'string', numSamples: 'number', round: 'number' }, type);
      return { ...(header as object), type } as ProtocolMessage;
    case 'welcome':
      requireFields(header, { clientId: 'string', run: 'object' }, type);
      if (
        header.version !== undefined &&
        !(
          Number.isInteger(header.version) &&
          (header.version as number) >= 1 &&
          (header.version as number) <= 0xff
        )
      ) {
        throw protocolError(
          `welcome message: field version must be an integer in [1, 255], got ${JSON.stringify(header.version)}`,
        );
      }
      return { ...(header as object), type } as ProtocolMessage;
    case 'announce':
      requireFields(
        header,
        {
          clientId: 'string',
          round: 'number',
          steps: 'number',
          cursor: 'object',
          catchUp: 'object',
        },
        type,
      );
      return {
        ...(header as object),
        type,
        catchUp: joinCatchUp(header.catchUp, blobs),
      } as ProtocolMessage;
    case 'finish':
      requireFields(header, { clientId: 'string', catchUp: 'object' }, type);
      return {
        ...(header as object),
        type,
        catchUp: joinCatchUp(header.catchUp, blobs),
      } as ProtocolMessage;
    case 'update': {
      requireFields(
        header,
        {
          clientId: 'string',
          round: 'number',
          numSamples: 'number',
          loss: 'object',
          forwardPasses: 'number',
          skippedSteps: 'number',
        },
        type,
      );
      if (blobs.length !== 2)
        throw protocolError(`update message: expected 2 blobs (g, delta), got ${blobs.length}`);
      return {
        ...(header as object),
        type,
        g: typed(Float64Array, blobs[0]!, 'update.g'),
        delta: typed(Float32Array, blobs[1]!, 'update.delta'),
      } as ProtocolMessage;
    }
  }
}
