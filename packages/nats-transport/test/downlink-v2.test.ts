import { readFileSync } from 'node:fs';
import {
  type CatchUpCosts,
  encodeRosterV2,
  encodeRoundLogV2,
  encodeThetaV2,
  Meerkat,
  MeerkatError,
  type RoundMetrics,
  type RunDescriptor,
} from '@meerkat/trainer';
import {
  HAVE_STORIES,
  STORIES_SKIP_NOTE,
  tempRunDir,
  testRunDescriptor,
  tinyConfig,
} from '@meerkat/trainer/testing';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatchUpReader } from '../src/catch-up-reader.js';
import { NatsTransport } from '../src/nats-transport.js';
import { ensureRunStreams } from '../src/run-streams.js';
import { RunSubjects } from '../src/subjects.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { bits } from './join-processes.js';

async function metricsOf(trainer: Meerkat, runDir: string) {
  for await (const _ of trainer.run()) {
    // run to the end
  }
  return readFileSync(`${runDir}/metrics.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RoundMetrics);
}

/** The run over NATS, the transport given θ after each round (snapshots) and these costs. */
async function overNats(
  nc: NatsConnection,
  run: string,
  config: Record<string, unknown>,
  catchUpCosts?: CatchUpCosts,
) {
  const subjects = new RunSubjects(run);
  let trainer: Meerkat | undefined;
  const transport = new NatsTransport({
    nc,
    subjects,
    serialClients: true,
    thetaOf: () => trainer?.theta,
    ...(catchUpCosts === undefined ? {} : { catchUpCosts }),
  });
  await transport.prepare();
  trainer = new Meerkat(config, { transport });
  const metrics = await metricsOf(trainer, String(config.runDir));
  return { theta: trainer.theta!, metrics };
}

async function inProcess(config: Record<string, unknown>) {
  const trainer = new Meerkat(config);
  const metrics = await metricsOf(trainer, String(config.runDir));
  return { theta: trainer.theta!, metrics };
}

function total(metrics: readonly RoundMetrics[], kind: 'none' | 'logs' | 'theta'): number {
  return metrics.reduce((s, m) => s + (m.catchUp?.[kind] ?? 0), 0);
}

/**
 * The v2 downlink on a real nats-server: announces name where the catch-up is stored, clients
 * fetch round logs from the broadcast stream or a θ snapshot from the object store, and the run
 * still ends on the simulation's θ bit for bit, for the catch-up rule's either choice and for a
 * first-order method (whose catch-up is always θ).
 */
describe.skipIf(!HAVE_STORIES)(
  `the v2 downlink over NATS (stories260K)${STORIES_SKIP_NOTE}`,
  () => {
    let fx: NatsFixture;
    let nc: NatsConnection;

    beforeAll(async () => {
      fx = await startNatsFixture({ run: 'dl', clientIds: [] });
      nc = await fx.connect('coordinator');
    }, 20_000);

    afterAll(async () => {
      await nc?.close();
      await fx?.close();
    });

    // Half the clients each round: a client sampled again has missed rounds.
    const overrides = { clients: 4, rounds: 5, localSteps: 2, participation: 0.5 };

    it('ZO, clients behind by rounds: the rule replays logs at the default costs, installs θ when replays are dear; θ equals the simulation’s', async () => {
      const local = await inProcess(tinyConfig(tempRunDir(), overrides));
      // Clients behind in the simulation too: catch-ups of missed rounds happen.
      expect(total(local.metrics, 'logs')).toBeGreaterThan(0);
      const logs = await overNats(nc, 'dl-logs', tinyConfig(tempRunDir(), overrides));
      expect(bits(logs.theta)).toEqual(bits(local.theta));
      expect(total(logs.metrics, 'theta')).toBe(0);
      expect(total(logs.metrics, 'logs')).toBe(total(local.metrics, 'logs'));
      // Replaying costs a draw a second: every client that is behind takes θ.
      const dear = await overNats(nc, 'dl-theta', tinyConfig(tempRunDir(), overrides), {
        bytesPerSecond: 1e6,
        drawsPerSecond: 1,
      });
      expect(bits(dear.theta)).toEqual(bits(local.theta));
      expect(total(dear.metrics, 'logs')).toBe(0);
      expect(total(dear.metrics, 'theta')).toBe(total(local.metrics, 'logs'));
      for (const [i, m] of dear.metrics.entries()) {
        expect(m.trainLoss).toBe(local.metrics[i]!.trainLoss);
      }
    }, 180_000);

    it('fedavg-sgd: a client sampled again installs the θ snapshot; θ equals the simulation’s', async () => {
      const sgd = { ...overrides, method: 'fedavg-sgd', rounds: 4 };
      const local = await inProcess(tinyConfig(tempRunDir(), sgd));
      expect(total(local.metrics, 'theta')).toBeGreaterThan(0);
      const remote = await overNats(nc, 'dl-sgd', tinyConfig(tempRunDir(), sgd));
      expect(bits(remote.theta)).toEqual(bits(local.theta));
      expect(total(remote.metrics, 'theta')).toBe(total(local.metrics, 'theta'));
      // The snapshot is fetched from the object store, not sent to each client: a client's
      // downlink in a round with a catch-up is the θ frame plus a small announce.
      for (const [i, m] of remote.metrics.entries()) {
        expect(m.bytesDownPerClient).toBeLessThanOrEqual(local.metrics[i]!.bytesDownPerClient);
      }
    }, 180_000);
  },
);

/** What a reader refuses: a corrupt or wrong θ snapshot, a missing round log, an unknown client. */
describe('CatchUpReader refuses bad stored catch-ups with typed errors', () => {
  let fx: NatsFixture;
  let nc: NatsConnection;
  const subjects = new RunSubjects('bad');
  const run: RunDescriptor = testRunDescriptor({ runId: 'bad', runSeed: '5' });

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'bad', clientIds: [] });
    nc = await fx.connect('coordinator');
    const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc);
    await ensureRunStreams(jsm, subjects, 1024 * 1024);
    const store = await new Objm(nc).create(subjects.objectBucket);
    const good = encodeThetaV2({ round: 3, theta: Float32Array.of(1, 2, 3, 4) });
    const flipped = good.slice();
    flipped[12]! ^= 0x10;
    await store.putBlob({ name: subjects.thetaObject(3) }, flipped);
    await store.putBlob(
      { name: subjects.thetaObject(4) },
      encodeThetaV2({ round: 9, theta: Float32Array.of(1, 2, 3, 4) }),
    );
    const js = jetstream(nc);
    await js.publish(
      subjects.rosterBlock(0),
      encodeRosterV2({ from: 0, clients: [{ clientId: 'a', numSamples: 3 }] }),
    );
    // Round 0's log names client index 1, which no roster frame lists.
    await js.publish(
      subjects.roundLog(0),
      encodeRoundLogV2({
        round: 0,
        participants: [{ client: 1, steps: 1 }],
        g: Float32Array.of(1),
      }),
    );
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  async function code(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(MeerkatError);
      return `${(e as MeerkatError).code}: ${(e as Error).message}`;
    }
    return 'resolved';
  }

  it('a θ snapshot with a flipped bit fails its CRC-32', async () => {
    const reader = new CatchUpReader(nc, subjects);
    expect(await code(reader.theta(run, 3))).toMatch(/^MEERKAT_PROTOCOL: checksum mismatch/);
  });

  it('a θ snapshot of another round, and a missing one', async () => {
    const reader = new CatchUpReader(nc, subjects);
    expect(await code(reader.theta(run, 4))).toMatch(/^MEERKAT_PROTOCOL: .*holds round 9/);
    expect(await code(reader.theta(run, 7))).toMatch(
      /^MEERKAT_PROTOCOL: .*no θ snapshot of round 7/,
    );
  });

  it('a round log that is not on the stream, and one naming a client of no roster frame', async () => {
    const reader = new CatchUpReader(nc, subjects);
    expect(await code(reader.logs(run, 1, 2))).toMatch(
      /^MEERKAT_PROTOCOL: .*no round log of round 1/,
    );
    expect(await code(reader.logs(run, 0, 1))).toMatch(
      /^MEERKAT_PROTOCOL: .*client index 1, but the client list has 1 clients/,
    );
  });
});
