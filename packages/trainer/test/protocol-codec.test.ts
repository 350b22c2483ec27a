import { describe, expect, it } from 'vitest';
import { MeerkatError } from '../src/errors.js';
import { decodeMessage, encodeMessage, FRAME_OVERHEAD_BYTES } from '../src/protocol/codec.js';
import type { AnnounceMessage, UpdateMessage } from '../src/protocol/messages.js';

const update: UpdateMessage = {
  v: 1,
  type: 'update',
  round: 3,
  clientId: 'client-7',
  numSamples: 120,
  g: Float64Array.of(0.5, -1e-300, Number.MIN_VALUE),
  delta: new Float32Array(0),
  loss: { mean: 0.6, first: 0.7, last: 0.5 },
  forwardPasses: 6,
  skippedSteps: 0,
};

describe('protocol v1 codec', () => {
  it('round-trips messages exactly; an update costs the frame + header + 8 bytes per scalar', () => {
    const bytes = encodeMessage(update);
    expect(decodeMessage(bytes)).toEqual(update);
    const header = JSON.stringify({
      v: 1,
      round: 3,
      clientId: 'client-7',
      numSamples: 120,
      loss: update.loss,
      forwardPasses: 6,
      skippedSteps: 0,
    });
    expect(bytes.length).toBe(FRAME_OVERHEAD_BYTES + header.length + 4 + 3 * 8 + 4);
    const announce: AnnounceMessage = {
      v: 1,
      type: 'announce',
      round: 2,
      clientId: 'c',
      steps: 5,
      cursor: { epoch: 1, position: 40 },
      catchUp: { kind: 'theta', round: 2, theta: Float32Array.of(1.5, -2) },
    };
    expect(decodeMessage(encodeMessage(announce))).toEqual(announce);
  });
  it('rejects damaged, foreign and future frames with MEERKAT_PROTOCOL', () => {
    const bytes = encodeMessage(update);
    const flipped = bytes.slice();
    flipped[20] = flipped[20]! ^ 1;
    const future = bytes.slice();
    future[3] = 2;
    for (const [bad, why] of [
      [flipped, /checksum/],
      [future, /version 2/],
      [Uint8Array.of(1, 2, 3), /too short/],
      [new Uint8Array(32), /bad magic/],
    ] as const) {
      try {
        decodeMessage(bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(MeerkatError);
        expect((e as MeerkatError).code).toBe('MEERKAT_PROTOCOL');
        expect((e as Error).message).toMatch(why);
      }
    }
  });
});
