import { readFileSync } from 'node:fs';
import type { RoundMetrics, Transport } from '@meerkat/trainer';
import {
  Meerkat,
  protocolVersionOf,
  roundLogV2ByteLength,
  zoUpdateV2ByteLength,
} from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '@meerkat/trainer/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport } from '../src/nats-transport.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

async function train(config: Record<string, unknown>, transport?: Transport) {
  const trainer = new Meerkat(config, transport === undefined ? {} : { transport });
  /** Bytes up of each (round, client) update. */
  const up = new Map<string, number>();
  for await (const e of trainer.run()) {
    if (e.type === 'client-done') up.set(`${e.round}/${e.clientId}`, e.bytesUp);
  }
  const metrics = readFileSync(`${config.runDir}/metrics.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RoundMetrics);
  return { theta: trainer.theta!, metrics, up };
}

/**
 * The same trainer code (Coordinator, TrainingClient) over a real nats-server instead of the
 * in-process transport: every message goes through JetStream and core NATS subjects, and the
 * final θ is bit-identical to the simulation's, with the same bytes accounted per round down
 * (v1 frames both ways) and the v2 update sizes up (the simulation accounts v1 updates).
 */
const SUITE = `the Meerkat trainer over NATS (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  let fx: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'eq', clientIds: [] });
    nc = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  it('gives θ bit-identical to the in-process simulation', async () => {
    const overrides = { clients: 4, rounds: 3, localSteps: 2 };
    const local = await train(tinyConfig(tempRunDir(), overrides));
    const transport = new NatsTransport({ nc, subjects: fx.subjects, serialClients: true });
    await transport.prepare();
    const remote = await train(tinyConfig(tempRunDir(), overrides), transport);
    expect(remote.theta.length).toBe(local.theta.length);
    expect(new Uint32Array(remote.theta.buffer)).toEqual(new Uint32Array(local.theta.buffer));
    expect(remote.metrics.map((m) => m.round)).toEqual([1, 2, 3]);
    for (const [i, m] of remote.metrics.entries()) {
      expect(m.participants).toEqual(local.metrics[i]!.participants);
      // v2 uplink: a ZO update of 2 steps is 24 B (float32 g; the loss mean only; no counters),
      // 28 B in round 1 (the first step's loss too: the divergence guard's reference);
      // the simulation accounts the v1 frame of the same update.
      expect(m.bytesUpPerClient).toBe(zoUpdateV2ByteLength(i, 2, 1, i === 0 ? 2 : 1));
      expect(m.bytesUpPerClient).toBeLessThan(local.metrics[i]!.bytesUpPerClient);
      // v2 downlink: the announce says where the catch-up is (here the previous round's log on
      // the broadcast stream: 4 participants × 2 steps, 51 B); the simulation sends it inline.
      // Same decisions, a fraction of the bytes; the clients' fetches count as their downlink.
      const logBytes = roundLogV2ByteLength({
        round: Math.max(0, i - 1),
        participants: [0, 1, 2, 3].map((client) => ({ client, steps: 2 })),
        g: new Float32Array(8),
      });
      const own = local.metrics[i]!.catchUp!;
      expect(m.catchUp).toEqual({ ...own, bytes: own.logs * logBytes });
      expect(m.bytesDownPerClient).toBeLessThan(local.metrics[i]!.bytesDownPerClient / 4);
      expect(m.trainLoss).toBe(local.metrics[i]!.trainLoss);
      expect(m.trainLoss).toBeGreaterThan(0); // the clients really trained
    }
    // Every uplink message went through the update stream: 4 joins + 4 updates per round.
    const info = await (await jetstreamManager(nc)).streams.info(fx.subjects.updateStream);
    expect(info.state.messages).toBe(4 + 4 * 3);
  }, 120_000);
});

/** NatsTransport whose clients in `v1Only` speak protocol v1 only (like clients of older builds). */
function mixedVersions(inner: NatsTransport, v1Only: ReadonlySet<string>): Transport {
  return {
    name: inner.name,
    coordinator: () => inner.coordinator(),
    client: (id) => inner.client(id, v1Only.has(id) ? { protocolVersions: [1] } : {}),
    close: () => inner.close(),
  };
}

const MIXED_SUITE = `v1-only and v2 clients in one run over NATS (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(MIXED_SUITE, () => {
  let fx: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'mixed', clientIds: [] });
    nc = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  it('each client uploads in its own version; θ and the losses equal the simulation’s', async () => {
    const overrides = { clients: 4, rounds: 2, localSteps: 3 };
    const local = await train(tinyConfig(tempRunDir(), overrides));
    const nats = new NatsTransport({ nc, subjects: fx.subjects, serialClients: true });
    await nats.prepare();
    const ids = local.metrics[0]!.participants;
    expect(ids.length).toBe(4);
    const v1Only = new Set([ids[0]!, ids[2]!]);
    const remote = await train(tinyConfig(tempRunDir(), overrides), mixedVersions(nats, v1Only));
    expect(new Uint32Array(remote.theta.buffer)).toEqual(new Uint32Array(local.theta.buffer));
    for (const [i, m] of remote.metrics.entries()) {
      expect(m.trainLoss).toBe(local.metrics[i]!.trainLoss);
      // v1-only clients send the simulation’s v1 frames, the others 28 B v2 ones (loss mean only;
      // 32 B in round 1 with the first step's loss).
      for (const id of ids) {
        const key = `${i + 1}/${id}`;
        const expected = v1Only.has(id)
          ? local.up.get(key)
          : zoUpdateV2ByteLength(i, 3, 1, i === 0 ? 2 : 1);
        expect([key, remote.up.get(key)]).toEqual([key, expected]);
      }
    }
    // The stored uplink: v1 frames on the v1-only clients' subjects, v2 frames on the others'.
    const jsm = await jetstreamManager(nc);
    const { first_seq, last_seq } = (await jsm.streams.info(fx.subjects.updateStream)).state;
    const seen = new Map<string, Set<number>>();
    for (let seq = first_seq; seq <= last_seq; seq++) {
      const stored = await jsm.streams.getMessage(fx.subjects.updateStream, { seq });
      const id = fx.subjects.clientOfUpdateSubject(stored!.subject)!;
      const versions = seen.get(id) ?? new Set<number>();
      versions.add(protocolVersionOf(stored!.data));
      seen.set(id, versions);
    }
    for (const id of ids)
      expect([id, [...seen.get(id)!]]).toEqual([id, v1Only.has(id) ? [1] : [2]]);
  }, 120_000);
});

/** Meerkat-vp over NATS writes the same RUN_DIR/gradip.json (the per-step calibration path) as the simulation. */
const VP_SUITE = `Meerkat-vp over NATS: gradip.json (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(VP_SUITE, () => {
  let fx: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'vp', clientIds: [] });
    nc = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  it('equals the in-process simulation’s, step for step', async () => {
    const overrides = {
      method: 'meerkat-vp',
      clients: 3,
      rounds: 2,
      localSteps: 2,
      mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 16 } },
      evaluation: { every: 2, testSize: 8, initial: false },
      vp: { calibrationSteps: 6, detector: { initialSteps: 2, laterSteps: 3 } },
    };
    const localDir = tempRunDir();
    await train(tinyConfig(localDir, overrides));
    const transport = new NatsTransport({ nc, subjects: fx.subjects, serialClients: true });
    await transport.prepare();
    const remoteDir = tempRunDir();
    await train(tinyConfig(remoteDir, overrides), transport);
    const local = readFileSync(`${localDir}/gradip.json`, 'utf8');
    const remote = readFileSync(`${remoteDir}/gradip.json`, 'utf8');
    expect(JSON.parse(remote).clients.map((c: { gradip: number[] }) => c.gradip.length)).toEqual([
      6, 6, 6,
    ]);
    expect(remote).toBe(local);
  }, 120_000);
});
