import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/protocol/codec.js';
import { encodeMessageV2 } from '../src/protocol/codec-v2.js';
import {
  announceV2ByteLength,
  finishV2ByteLength,
  joinV2ByteLength,
  rosterV2ByteLength,
  roundLogV2ByteLength,
  thetaV2ByteLength,
  updateV2ByteLength,
  welcomeV2ByteLength,
  zoUpdateV2ByteLength,
} from '../src/protocol/frame-sizes.js';
import { FRAME_V2_OVERHEAD_BYTES } from '../src/protocol/frame-v2.js';
import type { UpdateMessage } from '../src/protocol/messages.js';
import type { MessageV2, UpdateV2 } from '../src/protocol/messages-v2.js';
import { encodeRosterV2 } from '../src/protocol/roster-v2.js';
import { encodeRoundLogV2 } from '../src/protocol/round-log-v2.js';
import { encodeThetaV2 } from '../src/protocol/theta-frame-v2.js';
import { updateV2FromMessage } from '../src/protocol/uplink-v2-bridge.js';
import { varintLength } from '../src/protocol/varint.js';
import { CLIENT, RandomFrames, RUN, sampleFrames } from './protocol-v2-samples.js';

function sizeOf(m: MessageV2): number {
  switch (m.type) {
    case 'join':
      return joinV2ByteLength(m);
    case 'welcome':
      return welcomeV2ByteLength(m);
    case 'announce':
      return announceV2ByteLength(m);
    case 'update':
      return updateV2ByteLength(m);
    case 'finish':
      return finishV2ByteLength(m);
  }
}

const zo = (
  round: number,
  steps: number,
  directions: number,
  loss?: UpdateV2['loss'],
): UpdateV2 => ({
  type: 'update',
  clientId: CLIENT,
  round,
  g: new Float32Array(steps * directions).fill(0.25),
  ...(loss === undefined ? {} : { loss }),
});

describe('protocol v2 frame sizes', () => {
  it('a ZO update of 10 steps, 1 direction, round < 128: 52 B bare, 56 B with the loss mean (sent by default), 64 B with all loss statistics', () => {
    const bare = encodeMessageV2(zo(127, 10, 1));
    expect(bare.length).toBe(52); // 4 magic + 1 type + 1 round + 1 n + 40 g + 1 flags + 4 CRC
    expect(encodeMessageV2(zo(127, 10, 1, { mean: 2.5 })).length).toBe(56);
    expect(encodeMessageV2(zo(127, 10, 1, { mean: 2.5, first: 3, last: 2 })).length).toBe(64);
    expect(
      encodeMessageV2({
        ...zo(127, 10, 1, { mean: 2.5, first: 3, last: 2 }),
        counters: { forwardPasses: 20, skippedSteps: 0 },
      }).length,
    ).toBe(66);
    expect(zoUpdateV2ByteLength(127, 10, 1)).toBe(52);
    expect(zoUpdateV2ByteLength(127, 10, 1, 1)).toBe(56);
    expect(zoUpdateV2ByteLength(127, 10, 1, 3)).toBe(64);
    // Above the 40 B of g itself: 12 B of framing, the protocol minimum being the g bytes.
    expect(bare.length - 40).toBe(FRAME_V2_OVERHEAD_BYTES + 3);
    // The v1 frame of the same update, for comparison (float64 g, JSON header).
    const message: UpdateMessage = {
      v: 1,
      type: 'update',
      round: 127,
      clientId: CLIENT,
      numSamples: 120,
      g: new Float64Array(10).fill(0.25),
      delta: new Float32Array(0),
      loss: { mean: 2.5, first: 3, last: 2 },
      forwardPasses: 20,
      skippedSteps: 0,
    };
    const v1 = encodeMessage(message);
    expect(v1.length).toBeGreaterThan(3 * 66);
    // Its v2 twin carries the loss mean only (56 B) unless first/last are asked for (64 B).
    expect(encodeMessageV2(updateV2FromMessage(message)).length).toBe(56);
    expect(updateV2ByteLength(updateV2FromMessage(message))).toBe(56);
    expect(encodeMessageV2(updateV2FromMessage(message, { lossFirstLast: true })).length).toBe(64);
  });

  it('the formula holds across varint lengths: round 127 → 128 and n 127 → 128 each add a byte', () => {
    expect(encodeMessageV2(zo(128, 10, 1)).length).toBe(53);
    expect(encodeMessageV2(zo(2 ** 32 - 1, 10, 1)).length).toBe(56);
    expect(encodeMessageV2(zo(0, 127, 1)).length).toBe(9 + 1 + 1 + 4 * 127 + 1);
    expect(encodeMessageV2(zo(0, 64, 2)).length).toBe(9 + 1 + 2 + 4 * 128 + 1);
    for (const [round, steps, directions] of [
      [0, 0, 1],
      [5, 1, 1],
      [200, 50, 4],
      [70000, 1000, 3],
    ] as const) {
      expect(encodeMessageV2(zo(round, steps, directions)).length).toBe(
        zoUpdateV2ByteLength(round, steps, directions),
      );
    }
  });

  it('varint lengths: 1 byte below 2^7, 2 below 2^14, …, 8 below 2^53', () => {
    for (let bytes = 1; bytes <= 8; bytes++) {
      const top = bytes === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (7 * bytes) - 1;
      expect(varintLength(top), `2^${7 * bytes} − 1`).toBe(bytes);
      if (bytes < 8) expect(varintLength(top + 1)).toBe(bytes + 1);
    }
  });

  it('every frame of 1000 random per-client messages has the size of its formula', () => {
    const rng = new RandomFrames(0x51a5n, 4);
    for (let i = 0; i < 1000; i++) {
      const m = rng.message();
      expect(encodeMessageV2(m).length, m.type).toBe(sizeOf(m));
    }
  });

  it('round logs, θ frames and rosters have the size of their formulas (500 random shapes each)', () => {
    const rng = new RandomFrames(0x51a5n, 5);
    for (let i = 0; i < 500; i++) {
      const log = rng.roundLog();
      expect(encodeRoundLogV2(log).length).toBe(roundLogV2ByteLength(log));
      const theta = rng.theta();
      expect(encodeThetaV2(theta).length).toBe(thetaV2ByteLength(theta));
      const roster = rng.roster();
      expect(encodeRosterV2(roster).length).toBe(rosterV2ByteLength(roster));
    }
  });

  it('states the sample frames’ sizes (the README table’s examples)', () => {
    const sizes = Object.fromEntries(sampleFrames().map((f) => [f.name, f.bytes.length]));
    const json = new TextEncoder().encode(JSON.stringify(RUN)).length;
    expect(sizes).toEqual({
      join: 9 + 1 + 1 + 1 + 2 + 1, // versions [1, 2], numSamples 1234, round 3
      welcome: 9 + 1 + 2 + json, // this descriptor is 210 B of JSON
      announce: 9 + 1 + 1 + 1 + 2 + 1, // round 5, steps 10, epoch 1, position 300, logs from 2
      'update (ZO)': 9 + 1 + 1 + 40 + 1 + 12 + 2,
      'update (SGD)': 9 + 2 + 1 + 1 + 4 + 1 + 24,
      finish: 11, // round 9, θ snapshot
      'round log': 9 + 1 + 1 + 4 + 40, // 2 participants, 5 steps × 2 directions
      theta: 9 + 1 + 1 + 20,
      roster: 9 + 1 + 1 + (1 + 5 + 1) + (1 + 10 + 1) + (1 + 3 + 3),
    });
  });
});
