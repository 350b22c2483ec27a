import { crc32 } from '@meerkat/seeded';
import { FrameReader, FrameWriter } from './frame-io.js';
import { protocolError } from './protocol-error.js';

/**
 * The envelope every protocol v2 frame shares (little-endian, binary end to end):
 *
 *   0    4 bytes  magic "MKP" + version byte 0x02
 *   4    u8       frame type (below)
 *   5    …        body: varints, float32 values, a flags byte — per type, see codec-v2.ts
 *   end  u32      CRC-32 (IEEE, `@meerkat/seeded`) of every preceding byte
 *
 * The client id is never inside a frame: it is the subject the frame travels on, and decoders of
 * per-client frames take it as a parameter. 9 bytes of every frame are envelope.
 */
export const FRAME_V2_MAGIC = Uint8Array.of(0x4d, 0x4b, 0x50, 0x02);

/** The protocol version byte of a v2 frame. */
export const PROTOCOL_V2 = 2;

/**
 * Frame type codes of v2. 1–5 are the per-client messages (the same codes as v1); 6–8 are
 * broadcast data: a round's log, a θ, and the run's client list (the roster), which is what a
 * client needs to turn a round log into seeds and weights.
 */
export const FRAME_V2_TYPES = {
  join: 1,
  welcome: 2,
  announce: 3,
  update: 4,
  finish: 5,
  'round-log': 6,
  theta: 7,
  roster: 8,
} as const;

export type FrameTypeV2 = keyof typeof FRAME_V2_TYPES;

const TYPE_NAMES: readonly (FrameTypeV2 | undefined)[] = (() => {
  const names: (FrameTypeV2 | undefined)[] = [];
  for (const [name, code] of Object.entries(FRAME_V2_TYPES)) names[code] = name as FrameTypeV2;
  return names;
})();

/** Envelope bytes of every v2 frame: 4 magic + 1 type + 4 CRC. */
export const FRAME_V2_OVERHEAD_BYTES = 9;

/** A writer holding the magic and the type byte of a new frame; end it with `finishWithCrc32`. */
export function startFrameV2(type: FrameTypeV2, capacity = 64): FrameWriter {
  const out = new FrameWriter(capacity);
  out.bytes(FRAME_V2_MAGIC);
  out.u8(FRAME_V2_TYPES[type]);
  return out;
}

/** The type name of a frame type code, or undefined for an unknown code. */
export function frameTypeV2Name(code: number): FrameTypeV2 | undefined {
  return TYPE_NAMES[code];
}

/**
 * Checks a v2 frame's envelope — length, magic, version, checksum, type — and returns its type and
 * a reader over its body. With `accept`, any other type is `MEERKAT_PROTOCOL` too.
 */
export function openFrameV2(
  bytes: Uint8Array,
  accept?: readonly FrameTypeV2[],
): { type: FrameTypeV2; body: FrameReader } {
  if (!(bytes instanceof Uint8Array)) throw protocolError('a frame must be a Uint8Array');
  if (bytes.length < FRAME_V2_OVERHEAD_BYTES) {
    throw protocolError(`frame of ${bytes.length} bytes is too short`);
  }
  for (let i = 0; i < 3; i++) {
    if (bytes[i] !== FRAME_V2_MAGIC[i]) {
      throw protocolError('not a Meerkat protocol frame (bad magic)');
    }
  }
  if (bytes[3] !== PROTOCOL_V2) {
    throw protocolError(`protocol version ${bytes[3]} is not v2`);
  }
  const end = bytes.length - 4;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(end, true) !== crc32(bytes, 0, end)) {
    throw protocolError('checksum mismatch: the frame is damaged or cut short');
  }
  const type = frameTypeV2Name(bytes[4]!);
  if (type === undefined) throw protocolError(`unknown v2 frame type ${bytes[4]}`);
  if (accept !== undefined && !accept.includes(type)) {
    throw protocolError(`expected a v2 ${accept.join(' or ')} frame, got ${type}`);
  }
  return { type, body: new FrameReader(bytes, `v2 ${type} frame`, 5, end) };
}
