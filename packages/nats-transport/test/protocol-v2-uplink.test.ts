import type { DownlinkMessage, JoinMessage, RunDescriptor, WelcomeMessage } from '@meerkat/trainer';
import {
  encodeMessage,
  encodeMessageV2,
  encodeRoundLogV2,
  joinV2ByteLength,
  MeerkatError,
  updateV2ByteLength,
  updateV2FromMessage,
} from '@meerkat/trainer';
import { testRunDescriptor } from '@meerkat/trainer/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/json-logger.js';
import { type NatsClientLink, NatsTransport } from '../src/nats-transport.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { mulberry32, update, v2Update, v2UpdateClaiming } from './junk-uplink.js';
import { expectQuiet, receiveN } from './receive-uplink.js';

const CLIENTS = ['c1', 'c2', 'c3'];

const RUN: RunDescriptor = testRunDescriptor({ runId: 'v2' });

/** A v1-shaped update whose values are all float32 (what TrainingClient sends). */

function join(clientId: string, numSamples: number): JoinMessage {
  return { v: 1, type: 'join', clientId, numSamples, round: 0 };
}

function welcome(clientId: string): WelcomeMessage {
  return { v: 1, type: 'welcome', clientId, run: RUN };
}

function announce(clientId: string, round: number, steps = 2): DownlinkMessage {
  return {
    v: 1,
    type: 'announce',
    round,
    clientId,
    steps,
    cursor: { epoch: 0, position: 0 },
    catchUp: { kind: 'none', round },
  };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('protocol v2 uplink over a real nats-server', () => {
  let fx: NatsFixture;
  const connections: NatsConnection[] = [];
  const logLines: string[] = [];
  const logger = createJsonLogger((l) => logLines.push(l));

  async function connect(role: 'coordinator' | { clientId: string }) {
    const nc = await fx.connect(role);
    connections.push(nc);
    return nc;
  }

  /** A coordinator link that reads the update stream after everything earlier tests left. */
  async function coordinator(
    options: Partial<ConstructorParameters<typeof NatsTransport>[0]> = {},
  ) {
    const nc = await connect('coordinator');
    const jsm = await jetstreamManager(nc);
    const skip = (await jsm.streams.info(fx.subjects.updateStream)).state.last_seq;
    const transport = new NatsTransport({
      nc,
      subjects: fx.subjects,
      logger,
      resumeAfterSequence: skip,
      ...options,
    });
    open.push(transport);
    const link = transport.coordinator();
    await link.ready();
    return { link, skip };
  }

  async function client(id: string, protocolVersions?: readonly number[]) {
    const transport = new NatsTransport({
      nc: await connect({ clientId: id }),
      subjects: fx.subjects,
      logger,
    });
    open.push(transport);
    return transport.client(id, protocolVersions === undefined ? {} : { protocolVersions });
  }

  // Each test's coordinators and clients stop with it: a coordinator left reading the stream
  // would answer the next test's joins (re-sending its own welcomes).
  const open: NatsTransport[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'v2', clientIds: CLIENTS, maxPayload: 256 * 1024 });
    // The update stream exists before the first coordinator link counts its messages.
    await new NatsTransport({ nc: await connect('coordinator'), subjects: fx.subjects }).prepare();
  }, 20_000);

  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await fx?.close();
  });

  it('negotiates per client: a v2 client uploads v2 frames, a v1-only one v1 frames; both read as v1 messages', async () => {
    const { link: coord } = await coordinator();
    const welcomes = new Map<string, DownlinkMessage>();
    const links = new Map<string, NatsClientLink>();
    const sent = new Map<string, number[]>();
    for (const [id, versions] of [
      ['c1', undefined],
      ['c2', [1]],
    ] as const) {
      const link = await client(id, versions);
      links.set(id, link);
      link.onMessage(async (m) => {
        if (m.type === 'welcome') welcomes.set(id, m);
        if (m.type !== 'announce') return;
        // Round 0: a plain update; round 1: one skipped step (the counters travel).
        const u =
          m.round === 0
            ? update(id, 0, [0.25, -1.5])
            : update(id, 1, [0, 0.5], { forwardPasses: 3, skippedSteps: 1 });
        sent.set(id, [
          ...(sent.get(id) ?? []),
          await link.send({ ...u, numSamples: id === 'c1' ? 12 : 10 }),
        ]);
      });
    }
    // c1 lists [1, 2] in a v2 join frame, c2 sends the v1 join of older clients.
    expect(await links.get('c1')!.send(join('c1', 12))).toBe(
      joinV2ByteLength({ versions: [1, 2], numSamples: 12, round: 0 }),
    );
    expect(await links.get('c2')!.send(join('c2', 10))).toBe(encodeMessage(join('c2', 10)).length);
    const joins = await receiveN(coord.receive, 2);
    expect(
      joins.map((r) => r.message).sort((a, b) => a.clientId.localeCompare(b.clientId)),
    ).toEqual([join('c1', 12), join('c2', 10)]);
    for (const id of ['c1', 'c2']) await coord.send(id, welcome(id));
    await until(() => welcomes.size === 2);
    expect(welcomes.get('c1')).toEqual({ ...welcome('c1'), version: 2 });
    expect(welcomes.get('c2')).toEqual({ ...welcome('c2'), version: 1 });
    expect(links.get('c1')!.protocolVersion).toBe(2);
    expect(links.get('c2')!.protocolVersion).toBe(1);
    for (const round of [0, 1]) {
      for (const id of ['c1', 'c2']) await coord.send(id, announce(id, round));
      const got = await receiveN(coord.receive, 2);
      for (const r of got) {
        const id = r.message.clientId;
        const expected =
          round === 0
            ? update(id, 0, [0.25, -1.5])
            : update(id, 1, [0, 0.5], { forwardPasses: 3, skippedSteps: 1 });
        // v2 leaves numSamples out of the update (the coordinator's link has it from the join),
        // and the loss last: the v2 client c1 sends the loss mean only, and in round 0 the first
        // step's loss too (the divergence guard's reference).
        const { last: _last, ...meanFirst } = expected.loss;
        const v2Loss = round === 0 ? meanFirst : { mean: expected.loss.mean };
        expect(r.message).toEqual({
          ...expected,
          numSamples: id === 'c1' ? 12 : 10,
          ...(id === 'c1' ? { loss: v2Loss } : {}),
        });
        const v2 = updateV2FromMessage(expected);
        expect(r.bytes).toBe(
          id === 'c1'
            ? updateV2ByteLength(v2)
            : encodeMessage({ ...expected, numSamples: 10 }).length,
        );
      }
    }
    // 24 B for 2 steps with the loss mean, 28 B in round 0 with the first step's loss; +2 B of
    // counters with a skipped step. (The coordinator may read an update before its client has
    // the JetStream ack.)
    await until(() => sent.get('c1')?.length === 2);
    expect(sent.get('c1')).toEqual([28, 26]);
    // A v2 client refuses a g that is not float32 with a typed error instead of rounding it.
    const error = await links
      .get('c1')!
      .send(update('c1', 2, [0.1]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeerkatError);
    expect((error as MeerkatError).code).toBe('MEERKAT_PROTOCOL');
    expect(coord.rejected['unsupported-version']).toBe(0);
  });

  it('a version mismatch is a typed error on both sides', async () => {
    // A coordinator that speaks only v2: the v1-only client's join and v1 updates are dropped.
    const { link: v2Only } = await coordinator({ protocolVersions: [2] });
    const old = await client('c3', [1]);
    await old.send(join('c3', 5));
    await old.send(update('c3', 0, [1]));
    await until(() => v2Only.rejected['unsupported-version'] === 2);
    await expectQuiet(v2Only.receive, 300);
    const lines = logLines
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'uplink-rejected' && l.reason === 'unsupported-version');
    expect(lines[0]).toMatchObject({ code: 'MEERKAT_PROTOCOL' });
    expect(lines[0].detail).toMatch(
      /no common protocol version: the client speaks \[1\], the coordinator \[2\]/,
    );
    expect(lines[1].detail).toMatch(/a v1 update; this coordinator speaks 2/);
    // A v2-only client welcomed in v1 (a coordinator that speaks only v1) keeps v2 and says so;
    // the TrainingClient behind it refuses the welcome with MEERKAT_PROTOCOL (trainer tests).
    const { link: v1Only } = await coordinator({ protocolVersions: [1] });
    const fresh = await client('c3', [2]);
    const got: DownlinkMessage[] = [];
    fresh.onMessage(async (m) => {
      got.push(m);
    });
    await fresh.send(join('c3', 5));
    await expect(receiveN(v1Only.receive, 1, 2000)).rejects.toThrow(/received 0 of 1/);
    expect(v1Only.rejected['unsupported-version']).toBe(1);
    await v1Only.send('c3', welcome('c3'));
    // The coordinator's own refusal (a v1 welcome, once a welcome gave it the run's descriptor)
    // may come too: see version-refusal.test.ts.
    await until(() => got.length >= 1);
    expect(got.every((m) => m.type === 'welcome' && m.version === 1)).toBe(true);
    expect(got[0]).toMatchObject({ type: 'welcome', version: 1 });
    expect(fresh.protocolVersion).toBe(2);
    expect(logLines.some((l) => l.includes('"event":"protocol-mismatch"'))).toBe(true);
  });

  it('drops v2 junk (truncated, bit-flipped, wrong round, too many scalars, wrong shape, NaN, no loss, unjoined, wrong direction, unknown version) and hands over the valid v2 updates', async () => {
    const { link: coord, skip } = await coordinator({
      limits: { maxMessageBytes: 64 * 1024, maxScalars: 64 },
    });
    const links = [await client('c1'), await client('c2')];
    for (const [i, link] of links.entries()) {
      // Subscribed before the join goes out on the same connection, so the welcome finds it.
      link.onMessage(async () => {});
      await link.send(join(link.clientId, 10 + i));
    }
    await receiveN(coord.receive, 2);
    for (const link of links) await coord.send(link.clientId, welcome(link.clientId));
    await until(() => links.every((l) => l.protocolVersion === 2));
    for (const link of links) await coord.send(link.clientId, announce(link.clientId, 50));
    const raws = [
      await connect({ clientId: 'c1' }),
      await connect({ clientId: 'c2' }),
      await connect({ clientId: 'c3' }),
    ];
    const rand = mulberry32(2026);
    const valid = encodeMessageV2(v2Update('c1', 50, [0.5, 0.25]));
    const expected: Record<string, number> = {};
    const junk: { from: number; data: Uint8Array; reason: string }[] = [];
    for (let i = 0; i < 1200; i++) {
      const from = i % 2;
      const id = CLIENTS[from]!;
      const kind = i % 12;
      let data: Uint8Array;
      let reason: string;
      if (kind === 0) {
        data = valid.slice(0, Math.floor(rand() * valid.length)); // truncated
        reason = 'malformed';
      } else if (kind === 1) {
        data = valid.slice();
        const at = Math.floor(rand() * data.length);
        data[at] = data[at]! ^ (1 + Math.floor(rand() * 255)); // bit damage: CRC (or version)
        reason = 'malformed';
      } else if (kind === 2) {
        data = encodeMessageV2(v2Update(id, 49, [1, 2])); // a closed round
        reason = 'late';
      } else if (kind === 3) {
        data = encodeMessageV2(v2Update(id, 51, [1, 2])); // a round not open yet
        reason = 'early';
      } else if (kind === 4) {
        data = encodeMessageV2(
          v2Update(
            id,
            50,
            Array.from({ length: 65 }, () => 1),
          ),
        ); // > maxScalars
        reason = 'out-of-bounds';
      } else if (kind === 5) {
        data = encodeMessageV2(v2Update(id, 50, [1, 2, 3])); // 3 scalars for 2 steps × 1 direction
        reason = 'out-of-bounds';
      } else if (kind === 6) {
        data = encodeMessageV2(v2Update(id, 50, [Number.NaN, 1]));
        reason = 'out-of-bounds';
      } else if (kind === 7) {
        const { loss: _loss, ...noLoss } = v2Update(id, 50, [1, 2]);
        data = encodeMessageV2(noLoss); // no loss mean (first/last may be left out, not the mean)
        reason = 'malformed';
      } else if (kind === 8) {
        junk.push({
          from: 2,
          data: encodeMessageV2(v2Update('c3', 50, [1, 2])),
          reason: 'not-joined',
        });
        expected['not-joined'] = (expected['not-joined'] ?? 0) + 1;
        continue;
      } else if (kind === 9) {
        data = encodeMessageV2({
          type: 'finish',
          clientId: id,
          round: 50,
          catchUp: { kind: 'none' },
        }); // coordinator → client
        reason = 'wrong-direction';
      } else if (kind === 10) {
        data = encodeMessageV2(v2Update(id, 50, [1, 2]));
        data[3] = 3; // protocol version 3: no build decodes it
        reason = 'malformed';
      } else {
        data = encodeRoundLogV2({
          round: 50,
          participants: [{ client: 0, steps: 1 }],
          g: Float32Array.of(1),
        });
        reason = 'malformed'; // broadcast data, not an uplink message
      }
      expected[reason] = (expected[reason] ?? 0) + 1;
      junk.push({ from, data, reason });
    }
    // A scalar count far beyond the frame's bytes (checksum correct): refused before allocating.
    junk.push({ from: 0, data: v2UpdateClaiming(50, 2 ** 40), reason: 'malformed' });
    expected.malformed = (expected.malformed ?? 0) + 1;
    const half = Math.floor(junk.length / 2);
    for (const [i, j] of junk.entries()) {
      raws[j.from]!.publish(fx.subjects.update(CLIENTS[j.from]!), j.data);
      if (i === half) {
        for (const [c, link] of links.entries()) {
          await link.send(update(link.clientId, 50, [c, c + 0.5], { numSamples: 10 + c }));
        }
      }
    }
    for (const r of raws) await r.flush();
    const got = await receiveN(coord.receive, 2, 30_000);
    await expectQuiet(coord.receive, 500);
    expect(got.map((r) => r.message.clientId).sort()).toEqual(['c1', 'c2']);
    for (const r of got) {
      const c = r.message.clientId === 'c1' ? 0 : 1;
      // Sent by v2 links: the loss mean only.
      expect(r.message).toEqual(
        update(r.message.clientId, 50, [c, c + 0.5], { numSamples: 10 + c, loss: { mean: 0.5 } }),
      );
    }
    const dropped = () => Object.values(coord.rejected).reduce((a, n) => a + n, 0);
    await until(() => dropped() >= junk.length, 20_000);
    const counted = Object.fromEntries(Object.entries(coord.rejected).filter(([, n]) => n > 0));
    expect(counted).toEqual(expected);
    expect(coord.lastSequence).toBe(skip + 2 + junk.length + 2);
  }, 60_000);
});
