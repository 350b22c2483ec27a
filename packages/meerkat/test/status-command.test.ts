import { CliUsageError, parseCommandLine } from '@meerkat/cli-kit';
import { writeRunState } from '@meerkat/nats-transport';
import { type NatsFixture, startNatsFixture } from '@meerkat/nats-transport/testing';
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
