import { MeerkatError } from '@meerkat/trainer';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinRun } from '../src/join-run.js';
import { createJsonLogger } from '../src/json-logger.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

/**
 * A client whose coordinator never started (a real nats-server, no `serveRun`): it says what
 * it waits for at once and on every progress mark, and after its wait gives up with
 * `MEERKAT_COORDINATOR_UNAVAILABLE` naming the run, the wait and what to check. The model is
 * never loaded.
 */
describe('joinRun without a coordinator', () => {
  let fx: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'nobody', clientIds: ['client-000'] });
    nc = await fx.connect({ clientId: 'client-000' });
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  it('logs what it waits for, then gives up after the configured wait with a typed error', async () => {
    const lines: string[] = [];
    let loads = 0;
    const started = Date.now();
    const error = await joinRun({
      nc,
      run: 'nobody',
      clientId: 'client-000',
      loadModel: async () => {
        loads++;
        throw new Error('the model must not be loaded without a manifest');
      },
      logger: createJsonLogger((l) => lines.push(l)),
      manifestWaitMs: 2000,
      waitProgressMs: 500,
      presenceMs: 0,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(MeerkatError);
    const e = error as MeerkatError;
    expect(e.code).toBe('MEERKAT_COORDINATOR_UNAVAILABLE');
    expect(e.message).toMatch(
      /^No coordinator published run nobody on this NATS server: no manifest \(KV bucket meerkat_nobody, key manifest\) after waiting 2(\.\d)? s\. /,
    );
    expect(e.message).toContain('meerkat serve is running for run id nobody');
    expect(e.message).toContain('same NATS server and account');
    expect(e.message).toContain('--wait SECONDS');
    expect(loads).toBe(0);
    // It waited the configured 2 s and gave up soon after (generous bound: a loaded machine).
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(10_000);
    const waiting = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'waiting-for-manifest');
    const where =
      'waiting for the coordinator of run nobody to publish its manifest on NATS (KV bucket meerkat_nobody, key manifest)';
    // At once, then on the 0.5 s marks (a mark can only be missed by a poll slower than 0.5 s).
    expect(waiting[0]?.message).toBe(`${where}; 0 s of 2 s`);
    const marks = waiting.map((l) => l.waitedSeconds as number);
    expect(marks.length).toBeGreaterThanOrEqual(3);
    for (const [i, m] of marks.entries()) {
      expect([0, 0.5, 1, 1.5]).toContain(m);
      if (i > 0) expect(m).toBeGreaterThan(marks[i - 1]!);
      expect(waiting[i]?.message).toBe(`${where}; ${m} s of 2 s`);
    }
    expect(waiting[0]).toMatchObject({
      level: 'info',
      role: 'client',
      clientId: 'client-000',
      run: 'nobody',
      waitedSeconds: 0,
      waitSeconds: 2,
    });
  }, 20_000);
});
