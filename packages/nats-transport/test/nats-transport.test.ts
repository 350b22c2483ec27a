import type { AnnounceMessage, DownlinkMessage, UpdateMessage } from '@meerkat/trainer';
import { encodeMessage } from '@meerkat/trainer';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/json-logger.js';
import { NatsTransport } from '../src/nats-transport.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { mulberry32, update } from './junk-uplink.js';
import { expectQuiet, receiveN } from './receive-uplink.js';

const CLIENTS = ['c1', 'c2', 'c3', 'c4'];

function announce(clientId: string, round: number): AnnounceMessage {
  return {
    v: 1,
    type: 'announce',
    round,
    clientId,
    steps: 2,
    cursor: { epoch: 0, position: 0 },
    catchUp: { kind: 'theta', round, theta: Float32Array.of(1, 2, 3) },
  };
}

describe('NatsTransport on a real nats-server', () => {
  let fx: NatsFixture;
  const connections: NatsConnection[] = [];
  const logLines: string[] = [];
  const logger = createJsonLogger((l) => logLines.push(l));

  async function clientTransport(id: string) {
    const nc = await fx.connect({ clientId: id });
    connections.push(nc);
    return new NatsTransport({ nc, subjects: fx.subjects, logger });
  }

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'tp', clientIds: CLIENTS, maxPayload: 256 * 1024 });
  }, 20_000);

  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await fx?.close();
  });

  it('carries announces down and updates up, byte-exact, with the wire sizes', async () => {
    const cnc = await fx.connect('coordinator');
    connections.push(cnc);
    const coordinator = new NatsTransport({ nc: cnc, subjects: fx.subjects, logger }).coordinator();
    await coordinator.ready();
    const got = new Map<string, DownlinkMessage>();
    for (const id of ['c1', 'c2']) {
      const link = (await clientTransport(id)).client(id);
      link.onMessage(async (m) => {
        got.set(id, m);
        await link.send(update(id, (m as AnnounceMessage).round, [0.25, -1.5]));
      });
      await link.send({ v: 1, type: 'join', clientId: id, numSamples: 10, round: 0 });
    }
    const joins = await receiveN(coordinator.receive, 2);
    expect(joins.map((r) => r.message.type)).toEqual(['join', 'join']);
    for (const id of ['c1', 'c2']) {
      const bytes = await coordinator.send(id, announce(id, 1));
      expect(bytes).toBe(encodeMessage(announce(id, 1)).length);
    }
    const updates = await receiveN(coordinator.receive, 2);
    const byClient = new Map(updates.map((r) => [r.message.clientId, r]));
    for (const id of ['c1', 'c2']) {
      expect(got.get(id)).toEqual(announce(id, 1));
      const r = byClient.get(id);
      expect(r?.message).toEqual(update(id, 1, [0.25, -1.5]));
      expect(r?.bytes).toBe(encodeMessage(update(id, 1, [0.25, -1.5])).length);
    }
    expect(coordinator.lastSequence).toBe(4);
  });

  it('hands over each (round, client) update once: server dedup by message id, then its own', async () => {
    const cnc = await fx.connect('coordinator');
    connections.push(cnc);
    const coordinator = new NatsTransport({
      nc: cnc,
      subjects: fx.subjects,
      resumeAfterSequence: 4,
    }).coordinator();
    const c3 = (await clientTransport('c3')).client('c3');
    await coordinator.send('c3', announce('c3', 2)); // round 2 is open
    await c3.send(update('c3', 2, [1]));
    await c3.send(update('c3', 2, [1])); // a resend: same Nats-Msg-Id, dropped by JetStream
    const raw = connections.at(-1)!;
    // A replay with another message id gets past JetStream's window but not the transport.
    await raw.request(fx.subjects.update('c3'), encodeMessage(update('c3', 2, [9])));
    const got = await receiveN(coordinator.receive, 1);
    await coordinator.send('c3', announce('c3', 3)); // round 3 opens: round 2 is closed
    await c3.send(update('c3', 3, [2]));
    await raw.request(fx.subjects.update('c3'), encodeMessage(update('c3', 2, [5]))); // late
    await raw.request(fx.subjects.update('c3'), encodeMessage(update('c3', 4, [5]))); // early
    got.push(...(await receiveN(coordinator.receive, 1)));
    expect(
      got.map((r) => [r.message.type === 'update' && r.message.round, r.message.clientId]),
    ).toEqual([
      [2, 'c3'],
      [3, 'c3'],
    ]);
    expect((got[0]!.message as UpdateMessage).g).toEqual(Float64Array.of(1));
    expect(coordinator.rejected.duplicate).toBe(1);
    await expectQuiet(coordinator.receive, 300);
    expect(coordinator.rejected.late).toBe(1);
    expect(coordinator.rejected.early).toBe(1);
  });

  it('a coordinator restarted from its stored sequence loses no update and counts none twice', async () => {
    const first = await fx.connect('coordinator');
    const jsm = await jetstreamManager(first);
    const skip = (await jsm.streams.info(fx.subjects.updateStream)).state.last_seq;
    const a = new NatsTransport({
      nc: first,
      subjects: fx.subjects,
      resumeAfterSequence: skip,
    }).coordinator();
    await a.ready();
    await a.send('c4', announce('c4', 10)); // c4 has no handler: this only opens round 10
    const start = a.lastSequence;
    expect(start).toBe(skip);
    const links = await Promise.all(
      CLIENTS.map(async (id) => (await clientTransport(id)).client(id)),
    );
    for (const [i, link] of links.entries()) await link.send(update(CLIENTS[i]!, 10, [i]));
    const two = await receiveN(a.receive, 2);
    const stored = a.lastSequence; // what a coordinator saves with its state
    expect(stored).toBe(start + 2);
    await first.close(); // crash: the queued messages were never handed over
    for (const [i, link] of links.entries()) await link.send(update(CLIENTS[i]!, 10, [i])); // resends
    const second = await fx.connect('coordinator');
    connections.push(second);
    const b = new NatsTransport({
      nc: second,
      subjects: fx.subjects,
      resumeAfterSequence: stored,
    }).coordinator();
    await b.send('c4', announce('c4', 10));
    const rest = await receiveN(b.receive, 2);
    await expectQuiet(b.receive, 300);
    expect([...two, ...rest].map((r) => r.message.clientId)).toEqual(CLIENTS);
  });

  it('drops thousands of malformed, forged, out-of-bounds, wrong-direction and oversized messages; valid ones get through', async () => {
    const cnc = await fx.connect('coordinator');
    connections.push(cnc);
    // Start after the earlier tests' messages.
    const jsm = await jetstreamManager(cnc);
    const skip = (await jsm.streams.info(fx.subjects.updateStream)).state.last_seq;
    const transport = new NatsTransport({
      nc: cnc,
      subjects: fx.subjects,
      logger,
      limits: { maxMessageBytes: 64 * 1024 },
      resumeAfterSequence: skip,
    });
    const coordinator = transport.coordinator();
    await coordinator.ready();
    await coordinator.send('c4', announce('c4', 50)); // round 50 is open (c4 has no handler)
    const raws = await Promise.all(CLIENTS.map((id) => fx.connect({ clientId: id })));
    connections.push(...raws);
    const rand = mulberry32(20261123);
    const valid = encodeMessage(update('c1', 50, [0.5, 0.25]));
    const junk: { from: number; data: Uint8Array }[] = [];
    for (let i = 0; i < 3000; i++) {
      const from = Math.floor(rand() * CLIENTS.length);
      const kind = i % 8;
      let data: Uint8Array;
      if (kind === 0)
        data = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => rand() * 256);
      else if (kind === 1) {
        data = valid.slice();
        const at = Math.floor(rand() * data.length);
        data[at] = data[at]! ^ (1 + Math.floor(rand() * 255)); // bit damage: CRC
      } else if (kind === 2)
        data = valid.slice(0, Math.floor(rand() * valid.length)); // truncated
      else if (kind === 3)
        data = encodeMessage(update(CLIENTS[(from + 1) % 4]!, 50, [1])); // forged sender
      else if (kind === 4)
        data = encodeMessage(update(CLIENTS[from]!, 50, [Number.NaN])); // NaN
      else if (kind === 5)
        data = encodeMessage(update(CLIENTS[from]!, -3, [1])); // negative round
      else if (kind === 6)
        data = encodeMessage(announce(CLIENTS[from]!, 50)); // wrong direction
      else
        data = encodeMessage({ ...update(CLIENTS[from]!, 50, [1]), extra: 'x' } as UpdateMessage);
      junk.push({ from, data });
    }
    // Oversized for the transport (64 KiB) but within the server's max payload (256 KiB).
    const big = encodeMessage(
      update(
        'c2',
        50,
        Array.from({ length: 10_000 }, () => 0.1),
      ),
    );
    expect(big.length).toBeGreaterThan(64 * 1024);
    junk.push({ from: 1, data: big });
    const half = Math.floor(junk.length / 2);
    for (const [i, j] of junk.entries()) {
      raws[j.from]!.publish(fx.subjects.update(CLIENTS[j.from]!), j.data);
      if (i === half) {
        for (const [c, id] of CLIENTS.entries()) {
          await (await clientTransport(id)).client(id).send(update(id, 50, [c, c + 0.5]));
        }
      }
    }
    for (const r of raws) await r.flush();
    const got = await receiveN(coordinator.receive, 4, 30_000).catch((e) => {
      const failures = logLines.filter((l) => !l.includes('uplink-rejected')).slice(-5);
      throw new Error(
        `${e}; rejected ${JSON.stringify(coordinator.rejected)}; log: ${failures.join('')}`,
      );
    });
    await expectQuiet(coordinator.receive, 500);
    expect(got.map((r) => r.message.clientId).sort()).toEqual(CLIENTS);
    for (const r of got) {
      const c = CLIENTS.indexOf(r.message.clientId);
      expect((r.message as UpdateMessage).g).toEqual(Float64Array.of(c, c + 0.5));
    }
    const dropped = Object.values(coordinator.rejected).reduce((s, n) => s + n, 0);
    expect(dropped).toBe(junk.length);
    expect(coordinator.rejected['forged-sender']).toBe(375);
    expect(coordinator.rejected['wrong-direction']).toBe(375);
    expect(coordinator.rejected.oversized).toBe(1);
    expect(coordinator.lastSequence).toBe(skip + junk.length + 4);
    const warn = logLines.map((l) => JSON.parse(l)).filter((l) => l.event === 'uplink-rejected');
    expect(warn.length).toBeGreaterThanOrEqual(junk.length);
    expect(warn.at(-1)).toMatchObject({ level: 'warn', run: 'tp', role: 'coordinator' });
    await transport.close();
  }, 60_000);
});
