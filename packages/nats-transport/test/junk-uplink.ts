import { crc32 } from '@meerkat/seeded';
import type { AnnounceMessage, UpdateMessage, UpdateV2 } from '@meerkat/trainer';
import { encodeMessage, encodeMessageV2 } from '@meerkat/trainer';

/** A seeded 32-bit generator (mulberry32) for fuzz messages. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A well-formed ZO update (losses float32-representable, so it survives a v2 frame exactly). */
export function update(
  clientId: string,
  round: number,
  g: number[],
  fields: Partial<UpdateMessage> = {},
): UpdateMessage {
  return {
    v: 1,
    type: 'update',
    round,
    clientId,
    numSamples: 10,
    g: Float64Array.from(g),
    delta: new Float32Array(0),
    loss: { mean: 0.5, first: 0.625, last: 0.375 },
    forwardPasses: 2 * g.length,
    skippedSteps: 0,
    ...fields,
  };
}

/** A v2 update as a v2 client sends it: float32 g, the loss mean only, no counters. */
export function v2Update(clientId: string, round: number, g: number[]): UpdateV2 {
  return {
    type: 'update',
    clientId,
    round,
    g: Float32Array.from(g),
    loss: { mean: 0.5 },
  };
}

function varint(value: number): number[] {
  const out: number[] = [];
  let n = value;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  out.push(n);
  return out;
}

/**
 * A v2 update frame of round `round` with a correct checksum whose scalar count claims far more
 * float32 values than it holds (2 are there): the decoder must refuse it without allocating them.
 */
export function v2UpdateClaiming(round: number, count: number): Uint8Array {
  const body = [0x4d, 0x4b, 0x50, 0x02, 0x04, ...varint(round), ...varint(count)];
  const frame = new Uint8Array(body.length + 8 + 1 + 4);
  frame.set(body);
  new DataView(frame.buffer).setFloat32(body.length, 1, true);
  new DataView(frame.buffer).setFloat32(body.length + 4, 2, true);
  const end = frame.length - 4;
  new DataView(frame.buffer).setUint32(end, crc32(frame.subarray(0, end)), true);
  return frame;
}

/**
 * The i-th junk message client `from` sends on its own subject during a live run: random bytes,
 * a bit-damaged or truncated frame, a forged sender, a NaN g, a message of the wrong direction,
 * an extra header field, or an update for a round that is never open (999); and the same in v2:
 * a truncated or bit-damaged v2 update, one for round 999, and one whose scalar count claims
 * more values than the frame holds. None of them is a valid update for an open round, so none
 * may change θ.
 */
export function junkUplink(i: number, from: string, other: string, rand: () => number): Uint8Array {
  const valid = encodeMessage(update(from, 999, [0.5, 0.25]));
  const validV2 = encodeMessageV2(v2Update(from, 999, [0.5, 0.25]));
  switch (i % 12) {
    case 0:
      return Uint8Array.from({ length: Math.floor(rand() * 300) }, () => rand() * 256);
    case 1: {
      const data = valid.slice();
      const at = Math.floor(rand() * data.length);
      data[at] = data[at]! ^ (1 + Math.floor(rand() * 255));
      return data;
    }
    case 2:
      return valid.slice(0, Math.floor(rand() * valid.length));
    case 3:
      return encodeMessage(update(other, 1, [1]));
    case 4:
      return encodeMessage(update(from, 1, [Number.NaN, 1]));
    case 5: {
      const announce: AnnounceMessage = {
        v: 1,
        type: 'announce',
        round: 1,
        clientId: from,
        steps: 2,
        cursor: { epoch: 0, position: 0 },
        catchUp: { kind: 'none', round: 1 },
      };
      return encodeMessage(announce);
    }
    case 6:
      return encodeMessage({ ...update(from, 1, [1]), extra: 'x' } as UpdateMessage);
    case 7:
      return valid; // round 999: never open
    case 8:
      return validV2.slice(0, Math.floor(rand() * validV2.length));
    case 9: {
      const data = validV2.slice();
      const at = Math.floor(rand() * data.length);
      data[at] = data[at]! ^ (1 + Math.floor(rand() * 255));
      return data;
    }
    case 10:
      return v2UpdateClaiming(1, 2 ** 40); // too many scalars for its bytes
    default:
      return validV2; // round 999: never open
  }
}
