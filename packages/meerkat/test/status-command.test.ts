import { CliUsageError, parseCommandLine } from '@meerkat/cli-kit';
import { publishRunManifest, type RunState, writeRunState } from '@meerkat/nats-transport';
import { type NatsFixture, startNatsFixture } from '@meerkat/nats-transport/testing';
import { createSparseMask } from '@meerkat/sparse-mask';
import { testRunDescriptor } from '@meerkat/trainer/testing';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../src/cli/commands/nats/status.js';
import { memoryIo } from './memory-io.js';

describe('meerkat status', () => {
  let fx: NatsFixture;
  let coordinator: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'st', clientIds: ['client-000', 'client-001'] });
    coordinator = await fx.connect('coordinator');
    await new Kvm(jetstream(coordinator)).create(fx.subjects.kvBucket);
  }, 20_000);

  afterAll(async () => {
    await coordinator?.close();
    await fx?.close();
  });

  const argv = (...extra: string[]) =>
    parseCommandLine(statusCommand.spec, [
      '--nats',
      fx.url(),
      '--run',
      'st',
      '--listen',
      '1.5',
      ...extra,
    ]);

  it('shows the round, θ checksum, clients, the clients heard from, and the flagged ones (observer credentials)', async () => {
    await writeRunState(coordinator, fx.subjects, {
      run: 'st',
      status: 'running',
      round: 2,
      rounds: 5,
      thetaCrc32: '0badf00d',
      clients: ['client-000', 'client-001'],
      participants: ['client-000', 'client-001'],
      flagged: ['client-001'],
      lastSequence: 9,
      updatedAt: '2026-11-23T13:00:00.000Z',
    });
    const c0 = await fx.connect({ clientId: 'client-000' });
    const beat = setInterval(() => c0.publish(fx.subjects.presence('client-000'), '2'), 200);
    try {
      const io = memoryIo('/', { env: { MEERKAT_NATS_SEED: fx.observer.seed } });
      expect(await statusCommand.run(argv(), io)).toBe(0);
      expect(io.out().split('\n')[0]).toBe(
        'run st is running: round 2 / 5, 2 participant(s) in round 2 (client-000, client-001), 1 flagged (client-001)',
      );
      expect(io.out()).toContain('round      2 / 5');
      expect(io.out()).toContain('θ crc32    0badf00d');
      expect(io.out()).toContain('connected  1: client-000');
      expect(io.out()).toContain('flagged    client-001');
      const json = memoryIo('/', { env: { MEERKAT_NATS_SEED: fx.observer.seed } });
      expect(await statusCommand.run(argv('--json'), json)).toBe(0);
      expect(JSON.parse(json.out())).toMatchObject({
        run: 'st',
        connected: ['client-000'],
        state: { round: 2 },
      });
    } finally {
      clearInterval(beat);
      await c0.close();
    }
  }, 20_000);

  it('asks for credentials when none are given', async () => {
    const io = memoryIo('/');
    const e = await statusCommand.run(argv(), io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CliUsageError);
    expect((e as CliUsageError).code).toBe('CLI_MISSING_FLAG');
    expect((e as CliUsageError).message).toContain('--seed-file');
    expect((e as CliUsageError).message).toContain('MEERKAT_NATS_SEED');
  });
});

/**
 * One line for each state of a run: not started (no bucket, no manifest), published but no state
 * yet, waiting for clients, running, finished; written by a coordinator connection as
 * `serveRun` writes them, read with observer credentials.
 */
describe('meerkat status: where the run stands', () => {
  const CLIENTS = ['client-000', 'client-001'];
  let fx: NatsFixture;
  let coordinator: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'ph', clientIds: CLIENTS });
    coordinator = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await coordinator?.close();
    await fx?.close();
  });

  const status = async (...extra: string[]) => {
    const io = memoryIo('/', { env: { MEERKAT_NATS_SEED: fx.observer.seed } });
    const argv = ['--nats', fx.url(), '--run', 'ph', '--listen', '0.6', ...extra];
    const code = await statusCommand.run(parseCommandLine(statusCommand.spec, argv), io);
    return { code, out: io.out(), lines: io.out().split('\n').slice(0, -1) };
  };

  const state = (s: Partial<RunState> & Pick<RunState, 'status' | 'round'>): RunState => ({
    run: 'ph',
    rounds: 3,
    thetaCrc32: '0c401dfb',
    clients: CLIENTS,
    participants: [],
    flagged: [],
    lastSequence: 4,
    updatedAt: '2026-11-23T13:00:00.000Z',
    ...s,
  });

  it('not started: says no coordinator has published the run (no "stream not found"), exit 1', async () => {
    const r = await status();
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      'run ph has not started: no coordinator has published it on this NATS server (is meerkat serve running for run id ph, on this server and account?)',
    ]);
    const json = await status('--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      run: 'ph',
      status: 'not-started',
      summary: r.lines[0],
      state: null,
      connected: [],
    });
  });

  it('published (a full-parameter manifest) but no run state yet: waiting for clients', async () => {
    const fingerprint = '0123456789abcdef';
    const published = await publishRunManifest(coordinator, fx.subjects, {
      run: testRunDescriptor({
        runId: 'ph',
        runSeed: '7',
        dataSeed: '7',
        lr: 1e-4,
        batchSize: 4,
        layoutFingerprint: fingerprint,
      }),
      mask: createSparseMask({ fingerprint, d: 4, indices: Uint32Array.of(0, 1, 2, 3) }),
      allParameters: true,
      hyperparameters: { rounds: 3 },
    });
    expect(published.mask).toEqual({ kind: 'all', fingerprint, d: 4 });
    const r = await status();
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `run ph is waiting for clients: its coordinator published it at ${published.createdAt} and has written no run state yet`,
    ]);
    expect(JSON.parse((await status('--json')).out)).toMatchObject({
      status: 'waiting-for-clients',
      state: null,
    });
  });

  it('waiting for clients: how many are expected and which are heard from now', async () => {
    await writeRunState(
      coordinator,
      fx.subjects,
      state({ status: 'waiting-for-clients', round: 0 }),
    );
    const c0 = await fx.connect({ clientId: 'client-000' });
    const beat = setInterval(() => c0.publish(fx.subjects.presence('client-000'), '0'), 150);
    try {
      const r = await status();
      expect(r.code).toBe(0);
      expect(r.lines[0]).toBe(
        'run ph is waiting for clients: round 0 / 3, 2 client(s) expected, 1 heard from now (client-000)',
      );
      expect(r.lines).toContain('connected  1: client-000');
      expect(r.out).not.toContain('last round');
    } finally {
      clearInterval(beat);
      await c0.close();
    }
  });

  it('running: round r / R, the last round’s participants and the flagged clients', async () => {
    await writeRunState(
      coordinator,
      fx.subjects,
      state({ status: 'running', round: 2, participants: ['client-000'], flagged: ['client-001'] }),
    );
    const r = await status();
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      'run ph is running: round 2 / 3, 1 participant(s) in round 2 (client-000), 1 flagged (client-001)',
    );
    expect(r.lines).toContain('last round client-000');
    expect(r.lines).toContain('flagged    client-001');
  });

  it('finished: rounds R / R, the final θ CRC-32 and when; no empty "last round"', async () => {
    await writeRunState(coordinator, fx.subjects, state({ status: 'finished', round: 3 }));
    const r = await status();
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      'run ph has finished: rounds 3 / 3, final θ CRC-32 0c401dfb, at 2026-11-23T13:00:00.000Z',
    );
    expect(r.lines).toContain('round      3 / 3');
    expect(r.out).not.toContain('last round');
    const json = JSON.parse((await status('--json')).out);
    expect(json).toMatchObject({ status: 'finished', state: { round: 3, thetaCrc32: '0c401dfb' } });
  });
});
