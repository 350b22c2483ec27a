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
function overTheWire(
  m: UpdateMessage,
  numSamples = m.numSamples,
  options: Parameters<typeof updateV2FromMessage>[1] = {},
) {
  const bytes = encodeMessageV2(updateV2FromMessage(m, options));
  const decoded = decodeMessageV2(bytes, m.clientId) as UpdateV2;
  return { bytes, decoded, message: updateMessageFromV2(decoded, numSamples) };
}

/** What the coordinator gets of `m` over v2 by default after round 1: the loss mean only. */
const meanOnly = (m: UpdateMessage): UpdateMessage => ({ ...m, loss: { mean: m.loss.mean } });

describe('the v1 ↔ v2 uplink bridge', () => {
  it('carries a ZO update exactly: float32 g and loss mean, numSamples from the join, no counters', () => {
    const m = update();
    const { bytes, decoded, message } = overTheWire(m);
    expect(decoded.loss).toEqual({ mean: m.loss.mean });
    expect(bytes[bytes.length - 4 - 4 - 1]).toBe(0x01); // flags: loss mean only
    expect(message).toEqual(meanOnly(m));
    expect(message.loss).not.toHaveProperty('first');
    expect(decoded.counters).toBeUndefined();
    // 9 + round 1 + n 1 + 3 × 4 g + flags 1 + 4 loss mean.
    expect(bytes.length).toBe(28);
    expect(bytes.length).toBe(updateV2ByteLength(decoded));
  });

  it('carries the loss first and last too when asked (lossFirstLast), 8 B more', () => {
    const m = update();
    const { bytes, decoded, message } = overTheWire(m, m.numSamples, { lossFirstLast: true });
    expect(bytes[bytes.length - 4 - 12 - 1]).toBe(0x07); // flags: mean, first, last
    expect(message).toEqual(m);
    expect(bytes.length).toBe(36);
    expect(bytes.length).toBe(updateV2ByteLength(decoded));
    // A message without them (one that came as v2) sends the mean only even when asked.
    const again = overTheWire(message, m.numSamples, { lossFirstLast: true });
    expect(again.message).toEqual(m);
    const bare = overTheWire(meanOnly(m), m.numSamples, { lossFirstLast: true });
    expect([bare.bytes.length, bare.message]).toEqual([28, meanOnly(m)]);
  });

  it('carries the counters when they are not 2 passes per scalar without skips', () => {
    for (const fields of [
      { forwardPasses: 5, skippedSteps: 1 },
      { forwardPasses: 7, skippedSteps: 0 },
      { g: new Float64Array(0), forwardPasses: 0, skippedSteps: 0 },
    ]) {
      const m = update(fields);
      const { decoded, message } = overTheWire(m);
      expect(message).toEqual(meanOnly(m));
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
    expect(message).toEqual(meanOnly(m));
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
    // First and last are checked only where they are sent.
    const badLast = update({ loss: { mean: 2.5, first: 2.5, last: 2.3 } });
    expect(updateV2FromMessage(badLast).loss).toEqual({ mean: 2.5 });
    expect(
      expectProtocolError(() => updateV2FromMessage(badLast, { lossFirstLast: true })).message,
    ).toMatch(/loss\.last/);
  });

  it('the coordinator side needs the loss mean (first and last optional) and a join’s numSamples', () => {
    const base: UpdateV2 = { type: 'update', clientId: 'c1', round: 0, g: Float32Array.of(1) };
    expect(expectProtocolError(() => updateMessageFromV2(base, 3)).message).toMatch(
      /needs the loss mean \(flag 0x01\)/,
    );
    const meanOnlyV2 = { ...base, loss: { mean: 1 } };
    expect(updateMessageFromV2(meanOnlyV2, 3)).toMatchObject({ loss: { mean: 1 }, numSamples: 3 });
    expect(updateMessageFromV2(meanOnlyV2, 3).loss).toEqual({ mean: 1 });
    expect(updateMessageFromV2({ ...base, loss: { mean: 1, first: 2 } }, 3).loss).toEqual({
      mean: 1,
      first: 2,
    });
    const full = { ...base, loss: { mean: 1, first: 2, last: 0.5 } };
    expect(updateMessageFromV2(full, 3)).toMatchObject({
      numSamples: 3,
      forwardPasses: 2,
      loss: { mean: 1, first: 2, last: 0.5 },
    });
    expectProtocolError(() => updateMessageFromV2(full, 0));
    expectProtocolError(() => updateMessageFromV2(meanOnlyV2, 1.5));
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

describe('a TrainingClient’s v2 update', () => {
  it('of 10 steps, 1 direction is 56 B: float32 g and the loss mean (flags 0x01), no counters', async () => {
    let handler: ((m: DownlinkMessage) => Promise<void>) | undefined;
    const sent: UpdateMessage[] = [];
    const link: ClientLink = {
      clientId: 'c1',
      protocolVersions: [1, 2],
      send: async (m) => {
        if (m.type === 'update') sent.push(m);
        return 0;
      },
      onMessage: (h) => {
        handler = h;
      },
    };
    // A 4-value θ and a quadratic loss stand in for the model: the client runs real ZO steps.
    const theta = Float32Array.of(0.5, -0.25, 1, 0.75);
    let written = theta;
    const replica = {
      k: theta.length,
      round: 1,
      theta: () => theta.slice(),
      write: (values: Float32Array) => {
        written = values.slice();
      },
      catchUp: () => {},
    };
    const task = { batchLoss: async () => written.reduce((s, v) => s + v * v, 1) };
    const examples = Array.from({ length: 20 }, (_, i) => ({ text: `example ${i}`, label: 'a' }));
    new TrainingClient({
      link,
      replica,
      model: {},
      task,
      examples,
      labels: new Int32Array(examples.length),
      layoutFingerprint: RUN.layoutFingerprint,
    } as unknown as TrainingClientOptions);
    const run = { ...RUN, k: theta.length, directions: 1 };
    await handler!({ v: 1, type: 'welcome', clientId: 'c1', run, version: 2 });
    await handler!({
      v: 1,
      type: 'announce',
      round: 1,
      clientId: 'c1',
      steps: 10,
      cursor: { epoch: 0, position: 0 },
      catchUp: { kind: 'none', round: 1 },
    });
    expect(sent).toHaveLength(1);
    const u = sent[0]!;
    expect([u.g.length, u.skippedSteps, u.forwardPasses]).toEqual([10, 0, 20]);
    // The message keeps first and last for v1 frames; the v2 frame has the mean only.
    expect(Object.keys(u.loss).sort()).toEqual(['first', 'last', 'mean']);
    const v2 = updateV2FromMessage(u);
    expect(v2.loss).toEqual({ mean: u.loss.mean });
    expect(v2.counters).toBeUndefined();
    const bytes = encodeMessageV2(v2);
    expect(bytes.length).toBe(56);
    expect(updateV2ByteLength(v2)).toBe(56);
    expect(bytes[bytes.length - 4 - 4 - 1]).toBe(0x01);
    // The coordinator reads it back exactly (numSamples from the join: 20 examples).
    const back = updateMessageFromV2(decodeMessageV2(bytes, 'c1') as UpdateV2, examples.length);
    expect(back).toEqual(meanOnly(u));
    // In round 1 (round 0) the first step's loss travels too: the divergence guard's reference.
    const first = updateV2FromMessage({ ...u, round: 0 });
    expect(first.loss).toEqual({ mean: u.loss.mean, first: u.loss.first });
    expect(encodeMessageV2(first).length).toBe(60);
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
          // The mean only, and in round 1 (round 0) the first step's loss too.
          const { last: _last, ...meanFirst } = u.loss;
          expect(overTheWire(u).message).toEqual(
            u.round === 0 ? { ...u, loss: meanFirst } : meanOnly(u),
          );
          expect(overTheWire(u, u.numSamples, { lossFirstLast: true }).message).toEqual(u);
        }
      },
      60_000,
    );
  },
);
