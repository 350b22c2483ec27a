import { describe, expect, it } from 'vitest';
import { TrainingClient, type TrainingClientOptions } from '../src/client/training-client.js';
import { MeerkatError } from '../src/errors.js';
import { Meerkat } from '../src/meerkat.js';
import { decodeMessage, encodeMessage } from '../src/protocol/codec.js';
import { decodeMessageV2, encodeMessageV2 } from '../src/protocol/codec-v2.js';
import { updateV2ByteLength } from '../src/protocol/frame-sizes.js';
import type { DownlinkMessage, UpdateMessage, WelcomeMessage } from '../src/protocol/messages.js';
import type { UpdateV2 } from '../src/protocol/messages-v2.js';
import type { ClientLink } from '../src/protocol/transport.js';
import {
  joinMessageFromV2,
  joinV2FromMessage,
  updateMessageFromV2,
  updateV2FromMessage,
} from '../src/protocol/uplink-v2-bridge.js';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '../src/testing/stories.js';
import { expectProtocolError, RUN } from './protocol-v2-samples.js';
import { RecordingTransport } from './recording-transport.js';

const isFloat32 = (x: number) => Math.fround(x) === x;

function update(fields: Partial<UpdateMessage> = {}): UpdateMessage {
  return {
    v: 1,
    type: 'update',
    round: 3,
    clientId: 'c1',
    numSamples: 12,
    g: Float64Array.of(0.25, -1.5, Math.fround(0.1)),
    delta: new Float32Array(0),
    loss: { mean: Math.fround(2.3), first: 2.5, last: Math.fround(2.1) },
    forwardPasses: 6,
    skippedSteps: 0,
    ...fields,
  };
}

/** v1 message → v2 frame → v1 message, as a NATS client link and coordinator link do it. */
function overTheWire(m: UpdateMessage, numSamples = m.numSamples) {
  const bytes = encodeMessageV2(updateV2FromMessage(m));
  const decoded = decodeMessageV2(bytes, m.clientId) as UpdateV2;
  return { bytes, decoded, message: updateMessageFromV2(decoded, numSamples) };
}

describe('the v1 ↔ v2 uplink bridge', () => {
  it('carries a ZO update exactly: float32 g and losses, numSamples from the join, no counters', () => {
    const m = update();
    const { bytes, decoded, message } = overTheWire(m);
    expect(message).toEqual(m);
    expect(decoded.counters).toBeUndefined();
    // 9 + round 1 + n 1 + 3 × 4 g + flags 1 + 3 × 4 loss.
    expect(bytes.length).toBe(36);
    expect(bytes.length).toBe(updateV2ByteLength(decoded));
  });

  it('carries the counters when they are not 2 passes per scalar without skips', () => {
    for (const fields of [
      { forwardPasses: 5, skippedSteps: 1 },
      { forwardPasses: 7, skippedSteps: 0 },
      { g: new Float64Array(0), forwardPasses: 0, skippedSteps: 0 },
    ]) {
      const m = update(fields);
      const { decoded, message } = overTheWire(m);
      expect(message).toEqual(m);
      expect(decoded.counters === undefined).toBe(fields.forwardPasses === 2 * m.g.length);
    }
  });

  it('carries a first-order update (delta) with its counters', () => {
    const m = update({
      g: new Float64Array(0),
      delta: Float32Array.of(0.5, -0.25, 1e-7),
      forwardPasses: 2,
      skippedSteps: 0,
    });
    const { decoded, message } = overTheWire(m);
    expect(message).toEqual(m);
    expect(decoded.counters).toEqual({ forwardPasses: 2, skippedSteps: 0 });
  });

  it('refuses a g or loss that is not float32 instead of rounding it', () => {
    expect(
      expectProtocolError(() => updateV2FromMessage(update({ g: Float64Array.of(0.1) }))).message,
    ).toMatch(/g\[0\] = 0\.1 is not a float32 value/);
    expectProtocolError(() => updateV2FromMessage(update({ g: Float64Array.of(Number.NaN) })));
    const loss = { mean: 2.3, first: 2.5, last: 2.5 };
    expect(expectProtocolError(() => updateV2FromMessage(update({ loss }))).message).toMatch(
      /loss\.mean/,
    );
  });

  it('the coordinator side needs loss mean, first and last, and a join’s numSamples', () => {
    const base: UpdateV2 = { type: 'update', clientId: 'c1', round: 0, g: Float32Array.of(1) };
    expectProtocolError(() => updateMessageFromV2(base, 3));
    expectProtocolError(() => updateMessageFromV2({ ...base, loss: { mean: 1, first: 1 } }, 3));
    const full = { ...base, loss: { mean: 1, first: 1, last: 1 } };
    expect(updateMessageFromV2(full, 3)).toMatchObject({ numSamples: 3, forwardPasses: 2 });
    expectProtocolError(() => updateMessageFromV2(full, 0));
    expectProtocolError(() => updateMessageFromV2(full, 1.5));
  });

  it('turns a join into a v2 join listing the versions, and back', () => {
    const join = { v: 1, type: 'join', clientId: 'c1', numSamples: 40, round: 2 } as const;
    const v2 = joinV2FromMessage(join, [1, 2]);
    expect(decodeMessageV2(encodeMessageV2(v2), 'c1')).toEqual(v2);
    expect(joinMessageFromV2(v2)).toEqual(join);
  });
});

describe('the chosen version in a v1 welcome', () => {
  it('round-trips; absent stays absent; anything but an integer in [1, 255] is refused', () => {
    const welcome = { v: 1, type: 'welcome', clientId: 'c1', run: RUN } as const;
    expect(decodeMessage(encodeMessage({ ...welcome, version: 2 }))).toEqual({
      ...welcome,
      version: 2,
    });
    expect(decodeMessage(encodeMessage(welcome))).toEqual(welcome);
    for (const version of [0, 256, 1.5, '2', null]) {
      const bytes = encodeMessage({ ...welcome, version } as unknown as WelcomeMessage);
      expect(expectProtocolError(() => decodeMessage(bytes)).message).toMatch(/field version/);
    }
  });
});

describe('TrainingClient and the chosen protocol version', () => {
  function clientWith(protocolVersions?: readonly number[]) {
    let handler: ((m: DownlinkMessage) => Promise<void>) | undefined;
    const link: ClientLink = {
      clientId: 'c1',
      ...(protocolVersions === undefined ? {} : { protocolVersions }),
      send: async () => 0,
      onMessage: (h) => {
        handler = h;
      },
    };
    // The welcome needs only the replica's k and the layout fingerprint.
    new TrainingClient({
      link,
      replica: { k: RUN.k, round: 0 },
      layoutFingerprint: RUN.layoutFingerprint,
    } as unknown as TrainingClientOptions);
    return (version?: number) =>
      handler!({
        v: 1,
        type: 'welcome',
        clientId: 'c1',
        run: RUN,
        ...(version === undefined ? {} : { version }),
      });
  }

  it('accepts a welcome in a version its link speaks (none named: v1)', async () => {
    await expect(clientWith()(undefined)).resolves.toBeUndefined();
    await expect(clientWith()(1)).resolves.toBeUndefined();
    await expect(clientWith([1, 2])(2)).resolves.toBeUndefined();
    await expect(clientWith([2])(2)).resolves.toBeUndefined();
  });

  it('refuses one in another version with MEERKAT_PROTOCOL', async () => {
    for (const [versions, chosen] of [
      [undefined, 2],
      [[2], 1],
      [[2], undefined],
    ] as const) {
      const error = await clientWith(versions)(chosen).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeerkatError);
      expect((error as MeerkatError).code).toBe('MEERKAT_PROTOCOL');
      expect((error as MeerkatError).message).toMatch(/chose protocol v\d, this client speaks/);
    }
  });
});

describe.skipIf(!HAVE_STORIES)(
  `the simulation uploads float32-representable values (stories260K)${STORIES_SKIP_NOTE}`,
  () => {
    it.each([
      { method: 'meerkat', directions: 1 },
      { method: 'meerkat', directions: 2 },
      { method: 'fedavg-sgd', directions: 1 },
    ])(
      '$method, $directions direction(s): every update survives v2 bit for bit',
      async ({ method, directions }) => {
        const transport = new RecordingTransport();
        const trainer = new Meerkat(
          tinyConfig(tempRunDir(), { method, directions, clients: 3, rounds: 2, localSteps: 2 }),
          { transport },
        );
        for await (const _ of trainer.run()) {
          // run to the end
        }
        const updates = transport.log
          .filter((r) => r.direction === 'up' && r.message.type === 'update')
          .map((r) => r.message as UpdateMessage);
        expect(updates).toHaveLength(6);
        for (const u of updates) {
          // ZO: steps × directions scalars; first-order: the k-vector delta.
          expect([u.g.length, u.delta.length]).toEqual(
            method === 'fedavg-sgd' ? [0, 260] : [2 * directions, 0],
          );
          expect([...u.g].every(isFloat32)).toBe(true);
          expect(Object.values(u.loss).every(isFloat32)).toBe(true);
          expect(overTheWire(u).message).toEqual(u);
        }
      },
      60_000,
    );
  },
);
