import { crc32 } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../src/protocol/codec.js';
import { decodeMessageV2, encodeMessageV2, UPDATE_V2_FLAGS } from '../src/protocol/codec-v2.js';
import { decodeAnyMessage, protocolVersionOf } from '../src/protocol/decode-any-message.js';
import { FRAME_V2_MAGIC, FRAME_V2_TYPES } from '../src/protocol/frame-v2.js';
import type { UpdateMessage } from '../src/protocol/messages.js';
import type { MessageV2, UpdateV2 } from '../src/protocol/messages-v2.js';
import { decodeRosterV2 } from '../src/protocol/roster-v2.js';
import { decodeRoundLogV2, encodeRoundLogV2 } from '../src/protocol/round-log-v2.js';
import { decodeThetaV2 } from '../src/protocol/theta-frame-v2.js';
import { CLIENT, expectProtocolError, RUN, sampleFrames } from './protocol-v2-samples.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('protocol v2 frames', () => {
  it('round-trips every sample frame exactly', () => {
    for (const frame of sampleFrames()) {
      expect(frame.decode(frame.bytes), frame.name).toEqual(frame.value);
    }
  });

  it('writes a ZO update byte for byte as documented: magic, type, varints, float32 LE, flags, CRC', () => {
    const update: UpdateV2 = {
      type: 'update',
      clientId: CLIENT,
      round: 300,
      g: Float32Array.of(1, -2),
      loss: { mean: 0.5 },
    };
    const bytes = encodeMessageV2(update);
    // "MKP" 02 | 04 | 300 = ac 02 | n = 02 | 1.0f, -2.0f | flags 01 | 0.5f | CRC
    expect(hex(bytes.subarray(0, bytes.length - 4))).toBe(
      '4d4b5002' + '04' + 'ac02' + '02' + '0000803f' + '000000c0' + '01' + '0000003f',
    );
    expect(bytes.length).toBe(4 + 1 + 2 + 1 + 8 + 1 + 4 + 4);
    expect(decodeMessageV2(bytes, CLIENT)).toEqual(update);
  });

  it('keeps the client id out of the frame: the decoder sets the one it is given', () => {
    const frame = encodeMessageV2({
      type: 'finish',
      clientId: 'a',
      round: 1,
      catchUp: { kind: 'none' },
    });
    expect(
      encodeMessageV2({
        type: 'finish',
        clientId: 'someone-else',
        round: 1,
        catchUp: { kind: 'none' },
      }),
    ).toEqual(frame);
    expect(decodeMessageV2(frame, 'subject-id')).toEqual({
      type: 'finish',
      clientId: 'subject-id',
      round: 1,
      catchUp: { kind: 'none' },
    });
    expect(expectProtocolError(() => decodeMessageV2(frame, '')).message).toMatch(/client id/);
  });

  it('sets one flag bit per optional section and reads each combination back', () => {
    const F = UPDATE_V2_FLAGS;
    const base: UpdateV2 = { type: 'update', clientId: CLIENT, round: 1, g: Float32Array.of(1) };
    const cases: [UpdateV2, number][] = [
      [base, 0],
      [{ ...base, loss: { mean: 1 } }, F.lossMean],
      [{ ...base, loss: { mean: 1, last: 2 } }, F.lossMean | F.lossLast],
      [{ ...base, loss: { mean: 1, first: 3, last: 2 } }, F.lossMean | F.lossFirst | F.lossLast],
      [{ ...base, counters: { forwardPasses: 2, skippedSteps: 0 } }, F.counters],
      [{ ...base, g: new Float32Array(0), delta: Float32Array.of(1, 2) }, F.delta],
    ];
    for (const [update, flags] of cases) {
      const bytes = encodeMessageV2(update);
      const flagsAt = 4 + 1 + 1 + 1 + 4 * update.g.length;
      expect(bytes[flagsAt]).toBe(flags);
      expect(decodeMessageV2(bytes, CLIENT)).toEqual(update);
    }
  });

  it('carries loss statistics as float32 (decoding gives Math.fround of the value)', () => {
    const bytes = encodeMessageV2({
      type: 'update',
      clientId: CLIENT,
      round: 0,
      g: new Float32Array(0),
      loss: { mean: 0.1, first: Number.NaN, last: Number.POSITIVE_INFINITY },
    });
    const decoded = decodeMessageV2(bytes, CLIENT) as UpdateV2;
    expect(decoded.loss).toEqual({
      mean: Math.fround(0.1),
      first: Number.NaN,
      last: Number.POSITIVE_INFINITY,
    });
  });

  it('rejects out-of-range fields at encode time with MEERKAT_PROTOCOL', () => {
    const join = {
      type: 'join',
      clientId: CLIENT,
      versions: [1, 2],
      numSamples: 5,
      round: 0,
    } as const;
    const bad: [MessageV2, RegExp][] = [
      [{ ...join, versions: [] }, /non-empty/],
      [{ ...join, versions: [2, 1] }, /strictly ascending/],
      [{ ...join, versions: [0] }, /versions\[0\]/],
      [{ ...join, versions: [256] }, /versions\[0\]/],
      [{ ...join, numSamples: 0 }, /numSamples/],
      [{ ...join, round: 2 ** 32 }, /round/],
      [{ ...join, round: -1 }, /round/],
      [{ ...join, round: 1.5 }, /round/],
      [{ type: 'welcome', clientId: CLIENT, version: 0, run: RUN }, /version/],
      [{ type: 'welcome', clientId: CLIENT, version: 2, run: { ...RUN, lr: 0 } }, /lr/],
      [
        { type: 'welcome', clientId: CLIENT, version: 2, run: { ...RUN, runSeed: '-1' } },
        /runSeed/,
      ],
      [
        {
          type: 'welcome',
          clientId: CLIENT,
          version: 2,
          run: { ...RUN, runSeed: '18446744073709551616' },
        },
        /runSeed/,
      ],
      [
        { type: 'welcome', clientId: CLIENT, version: 2, run: { ...RUN, extra: 1 } as never },
        /extra/,
      ],
      [
        {
          type: 'announce',
          clientId: CLIENT,
          round: 1,
          steps: 0,
          cursor: { epoch: 0, position: 0 },
          catchUp: { kind: 'none' },
        },
        /steps/,
      ],
      [
        {
          type: 'announce',
          clientId: CLIENT,
          round: 1,
          steps: 1,
          cursor: { epoch: -1, position: 0 },
          catchUp: { kind: 'none' },
        },
        /epoch/,
      ],
      [
        { type: 'update', clientId: CLIENT, round: 1, g: Float64Array.of(1) as never },
        /Float32Array/,
      ],
      [
        {
          type: 'update',
          clientId: CLIENT,
          round: 1,
          g: new Float32Array(1),
          counters: { forwardPasses: 1, skippedSteps: -1 },
        },
        /skippedSteps/,
      ],
      [{ type: 'finish', clientId: CLIENT, round: Number.NaN, catchUp: { kind: 'none' } }, /round/],
      [
        { type: 'finish', clientId: CLIENT, round: 3, catchUp: { kind: 'logs', from: 3 } },
        /catchUp.from/,
      ],
      [
        { type: 'finish', clientId: CLIENT, round: 3, catchUp: { kind: 'all' } as never },
        /catchUp must be/,
      ],
      [{ type: 'nope', clientId: CLIENT } as never, /not a v2 message/],
    ];
    for (const [message, why] of bad) {
      expect(expectProtocolError(() => encodeMessageV2(message)).message).toMatch(why);
    }
  });

  it('rejects a frame with a valid checksum but an impossible body, naming the problem', () => {
    const frame = (type: number, ...body: number[]) => {
      const bytes = new Uint8Array(5 + body.length + 4);
      bytes.set(FRAME_V2_MAGIC);
      bytes[4] = type;
      bytes.set(body, 5);
      new DataView(bytes.buffer).setUint32(5 + body.length, crc32(bytes, 0, 5 + body.length), true);
      return bytes;
    };
    const f32 = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
    const utf8 = (s: string) => [...new TextEncoder().encode(s)];
    const T = FRAME_V2_TYPES;
    const cases: [Uint8Array, (b: Uint8Array) => unknown, RegExp][] = [
      [frame(9), (b) => decodeMessageV2(b, CLIENT), /unknown v2 frame type 9/],
      [frame(0), (b) => decodeMessageV2(b, CLIENT), /unknown v2 frame type 0/],
      [frame(T.join, 0, 5, 0), (b) => decodeMessageV2(b, CLIENT), /no protocol versions/],
      [frame(T.join, 2, 2, 1, 5, 0), (b) => decodeMessageV2(b, CLIENT), /strictly ascending/],
      [frame(T.join, 1, 0, 5, 0), (b) => decodeMessageV2(b, CLIENT), /strictly ascending/],
      [frame(T.join, 1, 2, 0, 0), (b) => decodeMessageV2(b, CLIENT), /numSamples is 0/],
      [frame(T.join, 1, 2, 5), (b) => decodeMessageV2(b, CLIENT), /round: varint runs past/],
      [frame(T.finish, 0x80, 0x00), (b) => decodeMessageV2(b, CLIENT), /shortest form/],
      [
        frame(T.finish, ...Array(8).fill(0x80), 1),
        (b) => decodeMessageV2(b, CLIENT),
        /longer than 8/,
      ],
      [
        frame(T.finish, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
        (b) => decodeMessageV2(b, CLIENT),
        /2\^53/,
      ],
      [
        frame(T.finish, 0x80, 0x80, 0x80, 0x80, 0x10),
        (b) => decodeMessageV2(b, CLIENT),
        /exceeds 4294967295/,
      ],
      [frame(T.finish, 1, 0, 0), (b) => decodeMessageV2(b, CLIENT), /1 unread bytes/],
      [
        frame(T.finish, 3, 5),
        (b) => decodeMessageV2(b, CLIENT),
        /logs from round 3, not before round 3/,
      ],
      [frame(T.announce, 1, 0, 0, 0, 1), (b) => decodeMessageV2(b, CLIENT), /steps is 0/],
      [frame(T.update, 1, 0, 0x20), (b) => decodeMessageV2(b, CLIENT), /unknown flag bits 0x20/],
      [
        frame(T.update, 1, 0, 0x02, ...f32(1)),
        (b) => decodeMessageV2(b, CLIENT),
        /without the loss mean/,
      ],
      [
        frame(T.update, 1, 0xff, 0xff, 0xff, 0xff, 0x0f),
        (b) => decodeMessageV2(b, CLIENT),
        /announces 4294967295 float32/,
      ],
      [frame(T.update, 1, 1, ...f32(1)), (b) => decodeMessageV2(b, CLIENT), /flags needs 1 bytes/],
      [frame(T.welcome, 0, 0), (b) => decodeMessageV2(b, CLIENT), /version 0/],
      [frame(T.welcome, 2, 3, ...utf8('abc')), (b) => decodeMessageV2(b, CLIENT), /not JSON/],
      [frame(T.welcome, 2, 1, 0xff), (b) => decodeMessageV2(b, CLIENT), /not UTF-8/],
      [
        frame(T.welcome, 2, 2, ...utf8('[]')),
        (b) => decodeMessageV2(b, CLIENT),
        /not a JSON object/,
      ],
      [
        frame(T.welcome, 2, 2, ...utf8('{}')),
        (b) => decodeMessageV2(b, CLIENT),
        /runId must be a string/,
      ],
      [frame(T['round-log'], 0, 1, 0, 3, ...f32(1), ...f32(2)), decodeRoundLogV2, /2 g values/],
      [frame(T['round-log'], 0, 1, 0, 0, ...f32(1)), decodeRoundLogV2, /1 g values/],
      [
        frame(T['round-log'], 0, 2, 4, 1, 4, 1, ...f32(1), ...f32(2)),
        decodeRoundLogV2,
        /listed twice/,
      ],
      [frame(T['round-log'], 0, 1, 0, 1, ...f32(Number.NaN)), decodeRoundLogV2, /not finite/],
      [frame(T['round-log'], 0, 1, 0, 1, 0, 0, 0), decodeRoundLogV2, /whole number of float32/],
      [frame(T.theta, 0, 2, ...f32(1)), decodeThetaV2, /announces 2 float32/],
      [frame(T.roster, 0, 1, 0, 1), decodeRosterV2, /non-empty string/],
      [frame(T.roster, 0, 1, 1, 0x61, 0), decodeRosterV2, /numSamples/],
      [frame(T.roster, 0, 2, 1, 0x61, 1, 1, 0x61, 2), decodeRosterV2, /listed twice/],
      [frame(T.roster, 0, 1, 1, 0xc3, 1), decodeRosterV2, /not UTF-8/],
      [
        frame(T.roster, 0xff, 0xff, 0xff, 0xff, 0x0f, 2, 1, 0x61, 1, 1, 0x62, 1),
        decodeRosterV2,
        /exceed 2\^32/,
      ],
      [frame(T.theta, 0, 0), decodeRosterV2, /expected a v2 roster frame, got theta/],
    ];
    for (const [bytes, decode, why] of cases) {
      expect(expectProtocolError(() => decode(bytes)).message).toMatch(why);
    }
  });

  it('tells a broadcast frame from a per-client one', () => {
    const log = encodeRoundLogV2({ round: 0, participants: [], g: new Float32Array(0) });
    expect(expectProtocolError(() => decodeMessageV2(log, CLIENT)).message).toMatch(
      /decodeRoundLogV2/,
    );
    expect(log[4]).toBe(FRAME_V2_TYPES['round-log']);
  });
});

describe('version sniffing', () => {
  const v1: UpdateMessage = {
    v: 1,
    type: 'update',
    round: 3,
    clientId: 'client-7',
    numSamples: 120,
    g: Float64Array.of(0.5, -1e-300),
    delta: new Float32Array(0),
    loss: { mean: 0.6, first: 0.7, last: 0.5 },
    forwardPasses: 6,
    skippedSteps: 0,
  };

  it('decodes v1 frames with the v1 codec and v2 frames with the v2 codec', () => {
    const one = encodeMessage(v1);
    expect(protocolVersionOf(one)).toBe(1);
    expect(decodeAnyMessage(one, 'ignored')).toEqual({ version: 1, message: v1 });
    expect(decodeMessage(one)).toEqual(v1);
    for (const frame of sampleFrames().slice(0, 6)) {
      expect(protocolVersionOf(frame.bytes)).toBe(2);
      expect(decodeAnyMessage(frame.bytes, CLIENT)).toEqual({ version: 2, message: frame.value });
    }
  });

  it('v1 decodeMessage still refuses a v2 frame, and unknown versions are MEERKAT_PROTOCOL', () => {
    const [join, welcome] = sampleFrames();
    expect(expectProtocolError(() => decodeMessage(welcome!.bytes)).message).toMatch(/version 2/);
    // A v2 frame below v1's 16-byte minimum gets v1's length message, still MEERKAT_PROTOCOL.
    expect(join!.bytes.length).toBeLessThan(16);
    expect(expectProtocolError(() => decodeMessage(join!.bytes)).message).toMatch(/too short/);
    const two = join!.bytes;
    const three = two.slice();
    three[3] = 3;
    expect(expectProtocolError(() => decodeAnyMessage(three, CLIENT)).message).toMatch(/version 3/);
    expect(expectProtocolError(() => protocolVersionOf(Uint8Array.of(0x4d, 0x4b))).message).toMatch(
      /fewer than 4/,
    );
    expect(expectProtocolError(() => protocolVersionOf(Uint8Array.of(1, 2, 3, 2))).message).toMatch(
      /bad magic/,
    );
  });
});
