import { parseCommandLine } from '@meerkat/cli-kit';
import { type NatsFixture, startNatsFixture } from '@meerkat/nats-transport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinCommand } from '../src/cli/commands/nats/join.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

/**
 * `meerkat join` against a real nats-server on which no coordinator ever starts: it logs what
 * it waits for, and after `--wait` seconds fails with one clear line and exit status 1.
 */
describe('meerkat join without a coordinator', () => {
  let fx: NatsFixture;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'nobody', clientIds: ['client-000'] });
  }, 20_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('--wait defaults to 60 seconds', () => {
    const args = parseCommandLine(joinCommand.spec, [
      '--nats',
      'nats://x',
      '--run',
      'r',
      '--client-id',
      'client-000',
    ]);
    expect(args.number('wait')).toBe(60);
  });

  it('says what it waits for, gives up after --wait seconds with MEERKAT_COORDINATOR_UNAVAILABLE', async () => {
    const io = memoryIo('/', { env: { MEERKAT_NATS_SEED: fx.clients.get('client-000')!.seed } });
    const argv = ['join', '--nats', fx.url(), '--run', 'nobody', '--client-id', 'client-000'];
    const started = Date.now();
    const code = await runCli([...argv, '--wait', '1.5'], io, [joinCommand]);
    const elapsed = Date.now() - started;
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    const lines = io.err().trim().split('\n');
    const last = lines.pop()!;
    expect(last).toMatch(
      /^meerkat join: MEERKAT_COORDINATOR_UNAVAILABLE: No coordinator published run nobody on this NATS server: no manifest \(KV bucket meerkat_nobody, key manifest\) after waiting 1\.\d s\. Check that meerkat serve is running for run id nobody .*same NATS server and account.*--wait SECONDS\)\.$/,
    );
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged[0]).toMatchObject({
      level: 'info',
      event: 'waiting-for-manifest',
      clientId: 'client-000',
      run: 'nobody',
      message:
        'waiting for the coordinator of run nobody to publish its manifest on NATS (KV bucket meerkat_nobody, key manifest); 0 s of 1.5 s',
    });
    // The next progress line would come at 10 s.
    expect(logged.filter((l) => l.event === 'waiting-for-manifest')).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(10_000);
  }, 20_000);
});
