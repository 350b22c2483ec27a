import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import { parameterSpecs, presetConfig } from '@meerkat/lm';
import { createLayout } from '@meerkat/sparse-mask';
import { loadModel, Meerkat, MeerkatError, PROTOCOL_VERSION } from '@meerkat/trainer';
import {
  HAVE_STORIES,
  STORIES_SKIP_NOTE,
  tempRunDir,
  testRunDescriptor,
  tinyConfig,
} from '@meerkat/trainer/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinRun } from '../src/join-run.js';
import { createJsonLogger } from '../src/json-logger.js';
import { joinRunManifest, readRunManifest } from '../src/manifest-store.js';
import { assertManifestFitsModel, parseRunManifest } from '../src/run-manifest.js';
import { type RunState, readRunState, writeRunState } from '../src/run-state.js';
import { serveRun } from '../src/serve-run.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { bits } from './join-processes.js';

function expectMeerkatError(e: unknown, code: string, ...fragments: string[]): void {
  expect(e).toBeInstanceOf(MeerkatError);
  expect((e as MeerkatError).code).toBe(code);
  for (const f of fragments) expect((e as MeerkatError).message).toContain(f);
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

// stories260K's shapes (no model files needed): the layout a full-parameter manifest names.
const LAYOUT = createLayout(parameterSpecs(presetConfig('stories260K')));

function allParametersManifest(mask: unknown, k = LAYOUT.size): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      protocolVersion: PROTOCOL_VERSION,
      run: testRunDescriptor({
        runId: 'all',
        runSeed: '7',
        dataSeed: '7',
        lr: 1e-4,
        batchSize: 4,
        k,
        layoutFingerprint: LAYOUT.fingerprint,
      }),
      mask,
      hyperparameters: {},
      config: {},
      createdAt: '2026-11-23T13:00:00.000Z',
    }),
  );
}

describe('a manifest for every parameter (mask kind "all")', () => {
  it('parses; fits the model of that layout; a contradicting or mixed one is refused', () => {
    const mask = { kind: 'all', fingerprint: LAYOUT.fingerprint, d: LAYOUT.size };
    const manifest = parseRunManifest(allParametersManifest(mask));
    expect(manifest.mask).toEqual(mask);
    assertManifestFitsModel(manifest, LAYOUT);
    // k must be d for every parameter.
    expectMeerkatError(
      caught(() =>
        assertManifestFitsModel(parseRunManifest(allParametersManifest(mask, 260)), LAYOUT),
      ),
      'MEERKAT_PROTOCOL',
      'contradicts itself',
      `k = ${LAYOUT.size}`,
    );
    // No mask-object fields beside kind 'all', and no other kind.
    expectMeerkatError(
      caught(() => parseRunManifest(allParametersManifest({ ...mask, object: 'mask.bin' }))),
      'MEERKAT_PROTOCOL',
      'mask',
    );
    expectMeerkatError(
      caught(() => parseRunManifest(allParametersManifest({ ...mask, kind: 'some' }))),
      'MEERKAT_PROTOCOL',
      'mask.kind',
    );
  });
});

const CLIENTS = ['client-000', 'client-001'];
/** Full ZO on 260,032 parameters is ~10× slower a step than a masked run: 2 rounds × 1 step. */
const OVERRIDES = {
  method: 'full-zo',
  clients: 2,
  rounds: 2,
  localSteps: 1,
  backend: 'tfjs:wasm',
  partition: { kind: 'iid' },
  evaluation: { every: 2, testSize: 8, initial: false },
};

/**
 * `serveRun` + 2 `joinRun` clients (each on its own connection and credentials, in this
 * process) train full-parameter ZO over a real nats-server: the manifest says "every parameter
 * of layout F" and no mask object is stored; every client builds the identity mask of its own
 * model; the final θ equals the in-process simulation's bit for bit.
 */
const SUITE = `full-parameter ZO over NATS (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  let fx: NatsFixture;
  let nc: NatsConnection;
  const connections: NatsConnection[] = [];
  const clientConnection = async (clientId: string) => {
    const c = await fx.connect({ clientId });
    connections.push(c);
    return c;
  };
  const load = (dir: string) => loadModel(dir, 'tfjs:wasm');

  beforeAll(async () => {
    registerTfjsBackends();
    // tempRunDir() names the run directory "run": that is the run id.
    fx = await startNatsFixture({ run: 'run', clientIds: CLIENTS });
    nc = await fx.connect('coordinator');
  }, 30_000);

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await nc?.close();
    await fx?.close();
  });

  it('gives θ bit-identical to the in-process simulation, on the coordinator and both clients', async () => {
    const reference = new Meerkat(tinyConfig(tempRunDir(), OVERRIDES));
    for await (const _ of reference.run()) {
      // run to the end
    }
    const served = serveRun({ nc, config: tinyConfig(tempRunDir(), OVERRIDES) });
    const joined = CLIENTS.map(async (clientId) =>
      joinRun({
        nc: await clientConnection(clientId),
        run: 'run',
        clientId,
        loadModel: load,
        presenceMs: 0,
      }),
    );
    const [{ theta }, ...clients] = await Promise.all([served, ...joined]);
    expect(theta.length).toBe(LAYOUT.size);
    expect(bits(theta)).toEqual(bits(reference.theta!));
    for (const c of clients) {
      expect(bits(c.theta)).toEqual(bits(theta));
      expect(c.rounds).toBe(2);
    }
    // The manifest names every parameter of the layout; nothing went to the object store.
    const manifest = await readRunManifest(nc, fx.subjects);
    expect(manifest.mask).toEqual({ kind: 'all', fingerprint: LAYOUT.fingerprint, d: LAYOUT.size });
    expect(manifest.run.k).toBe(LAYOUT.size);
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info(fx.subjects.objectStream)).rejects.toThrow(/stream not found/i);
    expect(await readRunState(nc, fx.subjects)).toMatchObject({ status: 'finished', round: 2 });
  }, 180_000);

  it('refuses a client whose model has another layout, naming both fingerprints', async () => {
    const config = presetConfig('stories260K');
    const other = createLayout(
      parameterSpecs({ ...config, numHiddenLayers: config.numHiddenLayers + 1 }),
    );
    const c = await clientConnection('client-000');
    const e = await joinRunManifest(c, fx.subjects, other).catch((x: unknown) => x);
    expectMeerkatError(
      e,
      'MEERKAT_MASK_MISMATCH',
      LAYOUT.fingerprint,
      other.fingerprint,
      '--model',
    );
    const same = await joinRunManifest(c, fx.subjects, LAYOUT);
    expect(same.mask.indices.length).toBe(LAYOUT.size);
    expect(same.mask.indices[LAYOUT.size - 1]).toBe(LAYOUT.size - 1);
  });

  it('a client whose coordinator is silent says so, and gives up once the run state says finished', async () => {
    // After the run: a client joins again and catches up from the round logs, but no
    // coordinator answers its join. The state first says running (a coordinator that may come
    // back), then finished.
    const finished = (await readRunState(nc, fx.subjects)) as RunState;
    await writeRunState(nc, fx.subjects, { ...finished, status: 'running' });
    const lines: Record<string, unknown>[] = [];
    let sawSilence: () => void = () => {};
    const silent = new Promise<void>((r) => {
      sawSilence = r;
    });
    const rejoined = joinRun({
      nc: await clientConnection('client-001'),
      run: 'run',
      clientId: 'client-001',
      loadModel: load,
      presenceMs: 0,
      manifestWaitMs: 1000,
      waitProgressMs: 200,
      logger: createJsonLogger((l) => {
        const line = JSON.parse(l) as Record<string, unknown>;
        lines.push(line);
        if (line.event === 'coordinator-silent') sawSilence();
      }),
    }).then(
      () => new Error('joinRun returned without a coordinator'),
      (e: unknown) => e,
    );
    await Promise.race([silent, rejoined.then((e) => Promise.reject(e))]);
    const warning = lines.find((l) => l.event === 'coordinator-silent')!;
    expect(warning).toMatchObject({ level: 'warn', round: 2, stateStatus: 'running' });
    expect(warning.message).toMatch(
      /^no message from the coordinator of run run for \d+ s \(this client holds round 2; run state: running, round 2 \/ 2, written at .*\); still waiting: a coordinator started again with meerkat serve on the same run directory resumes the run/,
    );
    await writeRunState(nc, fx.subjects, finished);
    expectMeerkatError(
      await rejoined,
      'MEERKAT_COORDINATOR_UNAVAILABLE',
      'The coordinator of run run has finished the run (finished, round 2 / 2, θ CRC-32',
      'client client-001 got no finish message',
    );
    expect(lines.filter((l) => l.event === 'caught-up')).toMatchObject([{ round: 2, logs: 2 }]);
  }, 60_000);
});
