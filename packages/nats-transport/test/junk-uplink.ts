import type { AnnounceMessage, UpdateMessage } from '@meerkat/trainer';
import { encodeMessage } from '@meerkat/trainer';

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

function update(clientId: string, round: number, g: number[]): UpdateMessage {
  return {
    v: 1,
    type: 'update',
    round,
    clientId,
    numSamples: 10,
    g: Float64Array.from(g),
    delta: new Float32Array(0),
    loss: { mean: 0.5, first: 0.6, last: 0.4 },
    forwardPasses: 2 * g.length,
    skippedSteps: 0,
  };
}

/**
 * The i-th junk message client `from` sends on its own subject during a live run: random bytes,
 * a bit-damaged or truncated frame, a forged sender, a NaN g, a message of the wrong direction,
 * an extra header field, or an update for a round that is never open (999). None of them is a
 * valid update for an open round, so none may change θ.
 */
export function junkUplink(i: number, from: string, other: string, rand: () => number): Uint8Array {
  const valid = encodeMessage(update(from, 999, [0.5, 0.25]));
  switch (i % 8) {
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
    default:
      return valid; // round 999: never open
  }
}
