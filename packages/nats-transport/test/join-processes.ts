import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { bundleJoinChild, killRunningChildren } from './child-bundle.js';

/** θ's bit patterns, so `toEqual` compares floats bit for bit (−0 ≠ 0, NaN payloads kept). */
export function bits(theta: Float32Array): Uint32Array {
  return new Uint32Array(theta.buffer, theta.byteOffset, theta.length);
}

/** What the tests of a coordinator with `meerkat join` child processes share. */
export interface JoinProcessRun {
  /** The nats-server of the file, with a user per client id (run id 'run'). */
  readonly fx: NatsFixture;
  /** The coordinator's connection. */
  readonly nc: NatsConnection;
  /** The bundled join-child script to spawn per client. */
  readonly script: string;
}

/**
 * Registers the beforeAll/afterAll of such a test file: a real nats-server on 127.0.0.1 with
 * users for `clientIds`, the coordinator's connection and the bundled client script; afterwards
 * every child still running is killed and the server stopped. Read the returned object's fields
 * inside tests (they are set in beforeAll).
 */
export function useJoinProcessRun(clientIds: readonly string[]): JoinProcessRun {
  const run = {} as { fx: NatsFixture; nc: NatsConnection; script: string };
  beforeAll(async () => {
    registerTfjsBackends();
    // tempRunDir() names the run directory "run": that is the run id.
    run.fx = await startNatsFixture({ run: 'run', clientIds: [...clientIds] });
    run.nc = await run.fx.connect('coordinator');
    run.script = await bundleJoinChild();
  }, 30_000);
  afterAll(async () => {
    killRunningChildren();
    await run.nc?.close();
    await run.fx?.close();
  });
  return run;
}
