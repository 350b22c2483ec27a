import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import type {
  ClientLink,
  DownlinkMessage,
  JoinMessage,
  RunDescriptor,
  TrainingClientOptions,
  WelcomeMessage,
} from '@meerkat/trainer';
import { loadModel, MeerkatError, TrainingClient } from '@meerkat/trainer';
import {
  HAVE_STORIES,
  STORIES_SKIP_NOTE,
  tempRunDir,
  testRunDescriptor,
  tinyConfig,
} from '@meerkat/trainer/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { joinRun } from '../src/join-run.js';
import { createJsonLogger } from '../src/json-logger.js';
import { type NatsClientLink, NatsTransport } from '../src/nats-transport.js';
import { serveRun } from '../src/serve-run.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { receiveN } from './receive-uplink.js';

const RUN: RunDescriptor = testRunDescriptor({ runId: 'refuse' });

function join(clientId: string): JoinMessage {
  return { v: 1, type: 'join', clientId, numSamples: 5, round: 0 };
}

function welcome(clientId: string): WelcomeMessage {
  return { v: 1, type: 'welcome', clientId, run: RUN };
}

function expectProtocolError(e: unknown, ...fragments: string[]): void {
  expect(e).toBeInstanceOf(MeerkatError);
  expect((e as MeerkatError).code).toBe('MEERKAT_PROTOCOL');
  for (const f of fragments) expect((e as MeerkatError).message).toContain(f);
}

/**
 * The trainer's TrainingClient over `link`, joined; resolves to what its handler throws (as
 * `joinRun` does, which fails the join with it). Only the welcome is handled here: the replica
 * and model are never reached.
 */
async function joinedClient(link: NatsClientLink): Promise<{ refused: Promise<unknown> }> {
  let report: (e: unknown) => void = () => {};
  const refused = new Promise<unknown>((resolve) => {
    report = resolve;
  });
  const wrapped: ClientLink = {
    clientId: link.clientId,
    protocolVersions: link.protocolVersions,
    send: (m) => link.send(m),
    onMessage: (handler) =>
      link.onMessage(async (m: DownlinkMessage) => {
        try {
          await handler(m);
        } catch (e) {
          report(e);
          throw e;
        }
      }),
  };
  const client = new TrainingClient({
    link: wrapped,
    replica: { k: RUN.k, round: 0 },
    examples: Array.from({ length: 5 }, () => ({ text: 'x', label: 'x' })),
    labels: new Int32Array(5),
    layoutFingerprint: RUN.layoutFingerprint,
  } as unknown as TrainingClientOptions);
  await client.join();
  return { refused };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a client that speaks no protocol version of the coordinator', () => {
  let fx: NatsFixture;
  const connections: NatsConnection[] = [];
  const open: NatsTransport[] = [];
  const extraFixtures: NatsFixture[] = [];
  const logLines: Record<string, unknown>[] = [];
  const logger = createJsonLogger((l) => logLines.push(JSON.parse(l)));

  async function connect(role: 'coordinator' | { clientId: string }) {
    const nc = await fx.connect(role);
    connections.push(nc);
    return nc;
  }

  async function transport(
    role: 'coordinator' | { clientId: string },
    protocolVersions?: readonly number[],
  ) {
    const t = new NatsTransport({
      nc: await connect(role),
      subjects: fx.subjects,
      logger,
      ...(protocolVersions === undefined ? {} : { protocolVersions }),
    });
    open.push(t);
    return t;
  }

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'refuse', clientIds: ['c1', 'c2', 'c3'] });
  }, 20_000);

  // Each test starts on a clean update stream: a coordinator left reading would answer the next
  // test's joins.
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    const nc = await connect('coordinator');
    await (await jetstreamManager(nc)).streams.purge(fx.subjects.updateStream).catch(() => {});
  });

  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await fx?.close();
    // A fixture of a test that timed out (its own `finally` did not run).
    for (const other of extraFixtures) await other.close();
  });

  it('v1-only client, v2-only coordinator: welcomed in v2, the client refuses it with MEERKAT_PROTOCOL naming both', async () => {
    const coordinator = await transport('coordinator', [2]);
    await coordinator.prepare();
    const link = coordinator.coordinator();
    await link.ready();
    // c1 speaks v2 and is welcomed: the coordinator's welcomes carry the run's descriptor.
    const c1 = (await transport({ clientId: 'c1' })).client('c1');
    const welcomes: DownlinkMessage[] = [];
    c1.onMessage(async (m) => {
      welcomes.push(m);
    });
    await c1.send(join('c1'));
    await receiveN(link.receive, 1);
    await link.send('c1', welcome('c1'));
    // c3 speaks only v1: no common version.
    const c3 = (await transport({ clientId: 'c3' })).client('c3', { protocolVersions: [1] });
    const started = Date.now();
    const { refused } = await joinedClient(c3);
    const error = await within(refused, 5000, 'the refusal');
    console.log(
      `version refusal: v1-only client refused ${Date.now() - started} ms after its join`,
    );
    expectProtocolError(error, 'client c3', 'protocol v2', 'speaks [1]');
    // Dropped, not handed over: the coordinator's trainer never sees c3.
    expect(link.rejected['unsupported-version']).toBe(1);
    expect(c3.protocolVersion).toBe(1);
    expect(logLines.find((l) => l.event === 'version-refused')).toMatchObject({
      clientId: 'c3',
      clientVersions: '1',
      coordinatorVersions: '2',
      version: 2,
    });
    expect(welcomes).toMatchObject([{ type: 'welcome', version: 2 }]);
  });

  it('v2-only client, v1-only coordinator that has welcomed nobody yet: refused once a welcome carries the run', async () => {
    const coordinator = await transport('coordinator', [1]);
    await coordinator.prepare();
    const link = coordinator.coordinator();
    await link.ready();
    const c3 = (await transport({ clientId: 'c3' })).client('c3', { protocolVersions: [2] });
    const { refused } = await joinedClient(c3);
    // No welcome sent and no manifest: nothing to describe the run with yet.
    await expect(within(refused, 600, 'the refusal')).rejects.toThrow(/nothing in 600 ms/);
    const c2 = (await transport({ clientId: 'c2' })).client('c2', { protocolVersions: [1] });
    c2.onMessage(async () => {});
    await c2.send(join('c2'));
    await receiveN(link.receive, 1);
    await link.send('c2', welcome('c2'));
    expectProtocolError(
      await within(refused, 5000, 'the refusal'),
      'client c3',
      'protocol v1',
      'speaks [2]',
    );
  });

  it.skipIf(!HAVE_STORIES)(
    `meerkat join (joinRun) of a v1-only client to a v2-only meerkat serve fails with MEERKAT_PROTOCOL within seconds${STORIES_SKIP_NOTE}`,
    async () => {
      registerTfjsBackends();
      // tempRunDir() names the run "run": a fixture of its own for that run id.
      const runFx = await startNatsFixture({ run: 'run', clientIds: ['client-000', 'client-001'] });
      extraFixtures.push(runFx);
      const coordinatorNc = await runFx.connect('coordinator');
      const clientNc = await runFx.connect({ clientId: 'client-000' });
      const lines: Record<string, unknown>[] = [];
      const at = new Map<string, number>();
      try {
        const served = serveRun({
          nc: coordinatorNc,
          // Two clients (the data partition needs them); only the refused one comes.
          config: tinyConfig(tempRunDir(), { clients: 2, rounds: 1, backend: 'tfjs:wasm' }),
          protocolVersions: [2],
          logger: createJsonLogger((l) => {
            const line = JSON.parse(l) as { event: string };
            lines.push(line);
            if (!at.has(line.event)) at.set(line.event, Date.now());
          }),
        });
        // serveRun ends only with an error (it waits for its clients' joins).
        const servedFailed = served.then(
          () => Promise.reject(new Error('serveRun returned')),
          (e: unknown) => Promise.reject(e),
        );
        servedFailed.catch(() => {});
        const started = Date.now();
        const joined = joinRun({
          nc: clientNc,
          run: 'run',
          clientId: 'client-000',
          loadModel: (dir) => loadModel(dir, 'tfjs:wasm'),
          presenceMs: 0,
          protocolVersions: [1],
        }).then(
          () => new Error('joinRun returned'),
          (e: unknown) => e,
        );
        const error = await Promise.race([joined, servedFailed]);
        const failedAt = Date.now();
        // The join is read (and refused) once the client has the manifest and its model.
        const refusedAt = at.get('version-refused') ?? Number.NaN;
        console.log(
          `version refusal: joinRun failed ${failedAt - started} ms after it started (manifest wait and model load included), ${failedAt - refusedAt} ms after the coordinator refused the join`,
        );
        expectProtocolError(error, 'client client-000', 'protocol v2', 'speaks [1]');
        expect(failedAt - refusedAt).toBeLessThan(5000);
        expect(lines.find((l) => l.event === 'version-refused')).toMatchObject({
          clientId: 'client-000',
          clientVersions: '1',
          coordinatorVersions: '2',
        });
      } finally {
        await clientNc.close();
        await coordinatorNc.close();
        await runFx.close();
        extraFixtures.splice(extraFixtures.indexOf(runFx), 1);
      }
    },
    60_000,
  );
});
