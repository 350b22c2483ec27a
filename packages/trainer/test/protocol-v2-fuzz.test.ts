import { crc32 } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { MeerkatError } from '../src/errors.js';
import { decodeMessageV2, encodeMessageV2 } from '../src/protocol/codec-v2.js';
import { decodeAnyMessage } from '../src/protocol/decode-any-message.js';
import type { MessageV2 } from '../src/protocol/messages-v2.js';
import { decodeRosterV2, encodeRosterV2 } from '../src/protocol/roster-v2.js';
import { decodeRoundLogV2, encodeRoundLogV2 } from '../src/protocol/round-log-v2.js';
import { decodeThetaV2, encodeThetaV2 } from '../src/protocol/theta-frame-v2.js';
import { RandomFrames, sampleFrames } from './protocol-v2-samples.js';

/** The error `f` throws; fails unless it is a MeerkatError with code MEERKAT_PROTOCOL. */
function rejection(f: () => unknown): MeerkatError | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MeerkatError) || e.code !== 'MEERKAT_PROTOCOL') {
      throw new Error(`expected MEERKAT_PROTOCOL, got ${String(e)}`, { cause: e });
    }
    return e;
  }
  return undefined;
}

/** Per-client frames of a sample, also fed to `decodeAnyMessage`. */
const perClient = new Set(['join', 'welcome', 'announce', 'update (ZO)', 'update (SGD)', 'finish']);

describe('protocol v2 fuzz: truncations and bit flips', () => {
  for (const frame of sampleFrames()) {
    it(`${frame.name}: every prefix (${frame.bytes.length} lengths) is MEERKAT_PROTOCOL`, () => {
      expect(frame.decode(frame.bytes)).toEqual(frame.value);
      for (let n = 0; n < frame.bytes.length; n++) {
        const cut = frame.bytes.slice(0, n);
        expect(
          rejection(() => frame.decode(cut)),
          `prefix of ${n} bytes`,
        ).toBeDefined();
        if (perClient.has(frame.name)) {
          expect(
            rejection(() => decodeAnyMessage(cut, 'c')),
            `any: prefix ${n}`,
          ).toBeDefined();
        }
      }
    });

    it(`${frame.name}: every single-bit flip (${8 * frame.bytes.length} flips) is MEERKAT_PROTOCOL`, () => {
      for (let bit = 0; bit < 8 * frame.bytes.length; bit++) {
        const flipped = frame.bytes.slice();
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        expect(
          rejection(() => frame.decode(flipped)),
          `bit ${bit}`,
        ).toBeDefined();
        if (perClient.has(frame.name)) {
          expect(
            rejection(() => decodeAnyMessage(flipped, 'c')),
            `any: bit ${bit}`,
          ).toBeDefined();
        }
      }
    });
  }

  it('random frames: every prefix and every bit flip is rejected (seeded)', () => {
    const rng = new RandomFrames(0x5eed_f00dn, 1);
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      const m = rng.message();
      const bytes = encodeMessageV2(m);
      if (bytes.length > 400) continue;
      for (let n = 0; n < bytes.length; n++) {
        expect(rejection(() => decodeMessageV2(bytes.subarray(0, n), m.clientId))).toBeDefined();
      }
      for (let bit = 0; bit < 8 * bytes.length; bit++) {
        const flipped = bytes.slice();
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        expect(rejection(() => decodeMessageV2(flipped, m.clientId))).toBeDefined();
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('damage behind a recomputed checksum is rejected by structure or decodes to something the encoder reproduces — never another exception', () => {
    const rng = new RandomFrames(0xdeadbeefn, 2);
    let rejected = 0;
    let accepted = 0;
    for (const frame of sampleFrames()) {
      for (let trial = 0; trial < 600; trial++) {
        const bytes = frame.bytes.slice();
        const end = bytes.length - 4;
        for (let hits = 1 + rng.below(3); hits > 0; hits--) {
          bytes[5 + rng.below(end - 5)] = rng.below(256);
        }
        if (rng.below(8) === 0) bytes[4] = 1 + rng.below(8);
        new DataView(bytes.buffer).setUint32(end, crc32(bytes, 0, end), true);
        let decoded: unknown;
        const error = rejection(() => {
          decoded = frame.decode(bytes);
        });
        if (error !== undefined) {
          rejected++;
          continue;
        }
        accepted++;
        // Whatever decodes is a well-formed value: the encoder takes it and gives the same value back.
        const again = reencode(frame.name, decoded);
        expect(frame.decode(again)).toEqual(decoded);
      }
    }
    expect(rejected).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });
});

function reencode(name: string, value: unknown): Uint8Array {
  if (name === 'round log') return encodeRoundLogV2(value as never);
  if (name === 'theta') return encodeThetaV2(value as never);
  if (name === 'roster') return encodeRosterV2(value as never);
  return encodeMessageV2(value as MessageV2);
}

describe('protocol v2 random round trips (seeded Philox)', () => {
  it('per-client messages: decode(encode(m), clientId) equals m, 1000 messages', () => {
    const rng = new RandomFrames(0x1234_5678n);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const m = rng.message();
      seen.add(m.type);
      const bytes = encodeMessageV2(m);
      expect(decodeMessageV2(bytes, m.clientId)).toEqual(m);
      expect(decodeAnyMessage(bytes, m.clientId)).toEqual({ version: 2, message: m });
      // Canonical: encoding the decoded message gives the same bytes.
      expect(encodeMessageV2(decodeMessageV2(bytes, m.clientId))).toEqual(bytes);
    }
    expect(seen.size).toBe(5);
  });

  it('g and delta travel bit for bit (signed zeros, subnormals, extremes)', () => {
    const rng = new RandomFrames(99n);
    for (let i = 0; i < 300; i++) {
      const m = rng.update();
      const back = decodeMessageV2(encodeMessageV2(m), m.clientId) as typeof m;
      expect(new Uint8Array(back.g.buffer)).toEqual(new Uint8Array(m.g.buffer));
      if (m.delta !== undefined) {
        expect(new Uint8Array(back.delta!.buffer)).toEqual(new Uint8Array(m.delta.buffer));
      }
    }
  });

  it('round logs, θ frames and rosters round-trip, 500 each', () => {
    const rng = new RandomFrames(0xabcdefn, 3);
    for (let i = 0; i < 500; i++) {
      const log = rng.roundLog();
      expect(decodeRoundLogV2(encodeRoundLogV2(log))).toEqual(log);
      const theta = rng.theta();
      expect(decodeThetaV2(encodeThetaV2(theta))).toEqual(theta);
      const roster = rng.roster();
      expect(decodeRosterV2(encodeRosterV2(roster))).toEqual(roster);
    }
  });
});
