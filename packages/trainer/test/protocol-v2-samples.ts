import { PhiloxUniformStream } from '@meerkat/seeded';
import { expect } from 'vitest';
import { MeerkatError } from '../src/errors.js';
import { decodeMessageV2, encodeMessageV2 } from '../src/protocol/codec-v2.js';
import type { RunDescriptor } from '../src/protocol/messages.js';
import type {
  CatchUpSourceV2,
  MessageV2,
  RosterV2,
  RoundLogParticipant,
  RoundLogV2,
  ThetaV2,
  UpdateV2,
} from '../src/protocol/messages-v2.js';
import { decodeRosterV2, encodeRosterV2 } from '../src/protocol/roster-v2.js';
import { decodeRoundLogV2, encodeRoundLogV2 } from '../src/protocol/round-log-v2.js';
import { decodeThetaV2, encodeThetaV2 } from '../src/protocol/theta-frame-v2.js';

/** Sample frames of every v2 type, and a seeded generator of random ones, for the v2 tests. */

/** The MeerkatError `f` throws; fails the test unless it is one with code `MEERKAT_PROTOCOL`. */
export function expectProtocolError(f: () => unknown): MeerkatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeerkatError);
    expect((e as MeerkatError).code).toBe('MEERKAT_PROTOCOL');
    return e as MeerkatError;
  }
  throw new Error('expected a MEERKAT_PROTOCOL error, nothing was thrown');
}

export const CLIENT = 'client-7';

export const RUN: RunDescriptor = {
  runId: 'run-v2',
  runSeed: '18446744073709551615',
  dataSeed: '42',
  optimizer: 'zo',
  lr: 0.001,
  eps: 0.001,
  directions: 2,
  distribution: 'gaussian',
  batchSize: 8,
  k: 4096,
  layoutFingerprint: '0123456789abcdef',
};

const f32 = (...values: number[]) => Float32Array.from(values);

/** One instance of each frame kind, with the decoder that reads it back. */
export interface SampleFrame {
  readonly name: string;
  readonly value: unknown;
  readonly bytes: Uint8Array;
  readonly decode: (bytes: Uint8Array) => unknown;
}

const perClient = (name: string, m: MessageV2): SampleFrame => ({
  name,
  value: m,
  bytes: encodeMessageV2(m),
  decode: (b) => decodeMessageV2(b, m.clientId),
});

export function sampleFrames(): SampleFrame[] {
  const log: RoundLogV2 = {
    round: 4,
    participants: [
      { client: 2, steps: 3 },
      { client: 0, steps: 2 },
    ],
    g: f32(0.5, -0.25, 1e-3, 3, -7, 0, 2.5, -1, 1e6, -1e-6),
  };
  const theta: ThetaV2 = { round: 7, theta: f32(1.5, -2, 0, 3.25, 1e-30) };
  const roster: RosterV2 = {
    from: 3,
    clients: [
      { clientId: 'alice', numSamples: 120 },
      { clientId: 'clïent-ü', numSamples: 1 },
      { clientId: 'bob', numSamples: 70000 },
    ],
  };
  return [
    perClient('join', {
      type: 'join',
      clientId: CLIENT,
      versions: [1, 2],
      numSamples: 1234,
      round: 3,
    }),
    perClient('welcome', { type: 'welcome', clientId: CLIENT, version: 2, run: RUN }),
    perClient('announce', {
      type: 'announce',
      clientId: CLIENT,
      round: 5,
      steps: 10,
      cursor: { epoch: 1, position: 300 },
      catchUp: { kind: 'logs', from: 2 },
    }),
    perClient('update (ZO)', {
      type: 'update',
      clientId: CLIENT,
      round: 5,
      g: f32(0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1),
      loss: { mean: 2.5, first: 3, last: 2 },
      counters: { forwardPasses: 20, skippedSteps: 1 },
    }),
    perClient('update (SGD)', {
      type: 'update',
      clientId: CLIENT,
      round: 300,
      g: new Float32Array(0),
      loss: { mean: 0.75 },
      delta: f32(1e-3, -2e-3, 0, 5, -5, 0.125),
    }),
    perClient('finish', { type: 'finish', clientId: CLIENT, round: 9, catchUp: { kind: 'theta' } }),
    { name: 'round log', value: log, bytes: encodeRoundLogV2(log), decode: decodeRoundLogV2 },
    { name: 'theta', value: theta, bytes: encodeThetaV2(theta), decode: decodeThetaV2 },
    { name: 'roster', value: roster, bytes: encodeRosterV2(roster), decode: decodeRosterV2 },
  ];
}

/** Seeded random frames: field values spread over every varint length and every flag mix. */
export class RandomFrames {
  private readonly rng: PhiloxUniformStream;

  constructor(seed: bigint, substream = 0) {
    this.rng = new PhiloxUniformStream(seed, 0x7632_6672, substream);
  }

  below(n: number): number {
    return this.rng.nextBelow(n);
  }

  coin(): boolean {
    return this.rng.nextBelow(2) === 1;
  }

  /** An unsigned integer ≤ max, often at a varint length boundary. */
  uint(max: number): number {
    const edges = [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 21 - 1,
      2 ** 21,
      2 ** 28,
      2 ** 32 - 1,
      2 ** 35,
      Number.MAX_SAFE_INTEGER,
    ];
    const pick = this.rng.nextBelow(4);
    if (pick === 0) return Math.min(max, edges[this.rng.nextBelow(edges.length)]!);
    const bits = 1 + this.rng.nextBelow(Math.min(52, Math.ceil(Math.log2(max + 1))));
    const value = Math.floor(this.rng.nextOpenUnit() * 2 ** bits);
    return Math.min(max, value);
  }

  /** A finite float32 (any exponent, either sign, zeros and subnormals included). */
  float32(): number {
    const bits = new Uint32Array(1);
    const view = new Float32Array(bits.buffer);
    do bits[0] = this.rng.nextUint32();
    while (!Number.isFinite(view[0]!));
    return view[0]!;
  }

  floats(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.float32());
  }

  clientId(): string {
    const alphabet = ['a', 'z', '0', '-', '.', 'é', '字', '😀'];
    return Array.from(
      { length: 1 + this.below(12) },
      () => alphabet[this.below(alphabet.length)],
    ).join('');
  }

  /** A catch-up source valid before `round`: none, θ, or logs from a round before it. */
  catchUpSource(round: number): CatchUpSourceV2 {
    const kind = this.below(3);
    if (kind === 0 || round === 0) return { kind: 'none' };
    if (kind === 1) return { kind: 'theta' };
    return { kind: 'logs', from: round === 1 ? 0 : this.uint(round - 1) };
  }

  message(): MessageV2 {
    const clientId = this.clientId();
    const round = this.uint(0xffffffff);
    switch (this.below(5)) {
      case 0: {
        const versions = [1, 2, 3, 200, 255].filter(() => this.coin());
        return {
          type: 'join',
          clientId,
          versions: versions.length === 0 ? [2] : versions,
          numSamples: 1 + this.uint(Number.MAX_SAFE_INTEGER - 1),
          round: this.uint(0xffffffff),
        };
      }
      case 1:
        return {
          type: 'welcome',
          clientId,
          version: 1 + this.below(255),
          run: {
            ...RUN,
            runId: this.clientId(),
            runSeed: String((BigInt(this.rng.nextUint32()) << 32n) | BigInt(this.rng.nextUint32())),
            lr: Math.abs(this.float32()) || 1,
            directions: 1 + this.uint(1000),
            optimizer: this.coin() ? 'zo' : 'sgd',
          },
        };
      case 2:
        return {
          type: 'announce',
          clientId,
          round,
          steps: 1 + this.uint(0xfffffffe),
          cursor: { epoch: this.uint(Number.MAX_SAFE_INTEGER), position: this.uint(2 ** 40) },
          catchUp: this.catchUpSource(round),
        };
      case 3:
        return this.update(clientId);
      default:
        return { type: 'finish', clientId, round, catchUp: this.catchUpSource(round) };
    }
  }

  update(clientId = CLIENT): UpdateV2 {
    const lossValues = this.below(4);
    const loss =
      lossValues === 0
        ? undefined
        : {
            mean: this.float32(),
            ...(this.coin() ? { first: this.float32() } : {}),
            ...(this.coin() ? { last: this.float32() } : {}),
          };
    return {
      type: 'update',
      clientId,
      round: this.uint(0xffffffff),
      g: this.floats(this.below(4) === 0 ? 0 : this.below(200)),
      ...(loss === undefined ? {} : { loss }),
      ...(this.coin()
        ? {
            counters: {
              forwardPasses: this.uint(Number.MAX_SAFE_INTEGER),
              skippedSteps: this.uint(1000),
            },
          }
        : {}),
      ...(this.coin() ? { delta: this.floats(this.below(300)) } : {}),
    };
  }

  roundLog(): RoundLogV2 {
    const directions = 1 + this.below(3);
    const clients = new Set<number>();
    const participants: RoundLogParticipant[] = [];
    let steps = 0;
    for (let i = this.below(8); i > 0; i--) {
      const client = this.uint(0xffffffff);
      if (clients.has(client)) continue;
      clients.add(client);
      const s = this.below(20);
      participants.push({ client, steps: s });
      steps += s;
    }
    return { round: this.uint(0xffffffff), participants, g: this.floats(steps * directions) };
  }

  theta(): ThetaV2 {
    return { round: this.uint(0xffffffff), theta: this.floats(this.below(500)) };
  }

  roster(): RosterV2 {
    const ids = new Set<string>();
    for (let i = this.below(10); i > 0; i--) ids.add(this.clientId());
    return {
      from: this.uint(0xffffffff - ids.size),
      clients: [...ids].map((clientId) => ({
        clientId,
        numSamples: 1 + this.uint(Number.MAX_SAFE_INTEGER - 1),
      })),
    };
  }
}
