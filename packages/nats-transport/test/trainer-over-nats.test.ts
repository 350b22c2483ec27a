import { readFileSync } from 'node:fs';
import type { RoundMetrics } from '@meerkat/trainer';
import { Meerkat } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '@meerkat/trainer/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport } from '../src/nats-transport.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

async function train(config: Record<string, unknown>, transport?: NatsTransport) {
  const trainer = new Meerkat(config, transport === undefined ? {} : { transport });
  for await (const _ of trainer.run()) {
    // events are not needed here; the run directory and θ are compared
  }
  const metrics = readFileSync(`${config.runDir}/metrics.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RoundMetrics);
  return { theta: trainer.theta!, metrics };
}

/**
 * The same trainer code (Coordinator, TrainingClient) over a real nats-server instead of the
 * in-process transport: every message goes through JetStream and core NATS subjects, and the
 * final θ is bit-identical to the simulation's, with the same bytes accounted per round.
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
      expect(m.bytesUpPerClient).toBe(local.metrics[i]!.bytesUpPerClient);
      expect(m.bytesDownPerClient).toBe(local.metrics[i]!.bytesDownPerClient);
      expect(m.trainLoss).toBe(local.metrics[i]!.trainLoss);
      expect(m.trainLoss).toBeGreaterThan(0); // the clients really trained
    }
    // Every uplink message went through the update stream: 4 joins + 4 updates per round.
    const info = await (await jetstreamManager(nc)).streams.info(fx.subjects.updateStream);
    expect(info.state.messages).toBe(4 + 4 * 3);
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
