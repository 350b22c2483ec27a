import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import { Meerkat } from '@meerkat/trainer';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { createJsonLogger } from '../src/json-logger.js';
import { serveRun } from '../src/serve-run.js';
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

/** The tfjs backends are registered once per test file (a second registration throws). */
let tfjsRegistered = false;

/**
 * Registers the beforeAll/afterAll of such a test file: a real nats-server on 127.0.0.1 with
 * users for `clientIds`, the coordinator's connection and the bundled client script; afterwards
 * every child still running is killed and the server stopped. Read the returned object's fields
 * inside tests (they are set in beforeAll).
 */
export function useJoinProcessRun(clientIds: readonly string[]): JoinProcessRun {
  const run = {} as { fx: NatsFixture; nc: NatsConnection; script: string };
  beforeAll(async () => {
    // Once per test file, however many runs it starts.
    if (!tfjsRegistered) {
      registerTfjsBackends();
      tfjsRegistered = true;
    }
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

/** The final θ of `config` trained in-process: the reference a run over NATS must match. */
export async function simulatedTheta(config: unknown): Promise<Float32Array> {
  const reference = new Meerkat(config);
  for await (const _ of reference.run()) {
    // run to the end
  }
  return reference.theta!;
}

/** A coordinator started by `serveWithRoundSignal`. */
export interface ServedRun {
  /** `serveRun`'s result: the summary and the final θ once the run is over. */
  readonly served: ReturnType<typeof serveRun>;
  /** Every line the coordinator's JSON logger wrote, as it wrote them. */
  readonly lines: string[];
  /** Resolves when the coordinator logs `round-closed` for the round asked for. */
  readonly closed: Promise<void>;
}

/**
 * Starts the coordinator of `config` (`serveRun` on `nc`) with a JSON logger that keeps its lines
 * and resolves `closed` once round `round` is closed, so a test can act mid-run (kill a client,
 * send junk) while the remaining rounds are under way.
 */
export function serveWithRoundSignal(
  nc: NatsConnection,
  config: unknown,
  round: number,
): ServedRun {
  const lines: string[] = [];
  let roundClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    roundClosed = r;
  });
  const served = serveRun({
    nc,
    config,
    logger: createJsonLogger((l) => {
      lines.push(l);
      const e = JSON.parse(l) as { event?: unknown; round?: unknown };
      if (e.event === 'round-closed' && e.round === round) roundClosed();
    }),
  });
  return { served, lines, closed };
}
