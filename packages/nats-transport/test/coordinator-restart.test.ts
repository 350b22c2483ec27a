import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { registerTfjsBackends } from '@meerkat/backend-tfjs';
import { Meerkat } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '@meerkat/trainer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';
import { bundleChild, type ChildResult, killRunningChildren, spawnNode } from './child-bundle.js';

const CLIENTS = ['client-000', 'client-001', 'client-002', 'client-003'];
const OVERRIDES = { clients: 4, rounds: 4, localSteps: 2, backend: 'tfjs:wasm' };

function bits(base64: string): Uint32Array {
  return new Uint32Array(new Uint8Array(Buffer.from(base64, 'base64')).buffer);
}

/** Resolves when `child`'s stderr has a JSON log line with this event (and round), bounded. */
function logEvent(
  child: ReturnType<typeof spawnNode>['child'],
  event: string,
  round: number,
  ms: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no ${event} ${round} in ${ms} ms`)), ms);
    child.stderr?.on('data', (d) => {
      buffered += String(d);
      if (
        buffered
          .split('\n')
          .some((l) => l.includes(`"event":"${event}"`) && l.includes(`"round":${round},`))
      ) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * The coordinator is killed with SIGKILL mid-run (right after round 2 closed, while round 3 is
 * under way) and started again on the same run directory and NATS state: the clients re-join,
 * the run completes, and θ — on the coordinator and on every client — equals the uninterrupted
 * in-process run's bit for bit. Later in the same run nats-server is killed with SIGKILL and
 * restarted on its file storage; everyone reconnects and the run still ends on the same θ.
 */
describe.skipIf(!HAVE_STORIES)(
  `coordinator and nats-server killed with -9 and restarted (stories260K)${STORIES_SKIP_NOTE}`,
  () => {
    let fx: NatsFixture;
    let joinScript: string;
    let serveScript: string;

    beforeAll(async () => {
      registerTfjsBackends();
      fx = await startNatsFixture({ run: 'run', clientIds: CLIENTS });
      joinScript = await bundleChild('join-child');
      serveScript = await bundleChild('serve-child');
    }, 30_000);

    afterAll(async () => {
      killRunningChildren();
      await fx?.close();
    });

    it('resumes with no update lost or counted twice: θ equals the uninterrupted run', async () => {
      const reference = new Meerkat(tinyConfig(tempRunDir(), OVERRIDES));
      for await (const _ of reference.run()) {
        // run to the end
      }
      const runDir = tempRunDir();
      const configFile = join(dirname(runDir), 'config.json');
      writeFileSync(configFile, JSON.stringify(tinyConfig(runDir, OVERRIDES)));
      const coordinatorArgs = [fx.url(), fx.coordinator.seed, configFile];
      const first = spawnNode(serveScript, coordinatorArgs);
      const clients = CLIENTS.map((id) =>
        spawnNode(joinScript, [fx.url(), 'run', id, fx.clients.get(id)!.seed]),
      );
      await logEvent(first.child, 'round-closed', 2, 120_000);
      first.child.kill('SIGKILL');
      const killed = await first.exited;
      expect(killed.signal).toBe('SIGKILL');
      const second = spawnNode(serveScript, [...coordinatorArgs, 'resume']);
      // Then the server itself dies (SIGKILL) and comes back on the same port and file storage.
      await logEvent(second.child, 'round-closed', 3, 120_000);
      await fx.kill();
      await fx.restart();
      const failedClient = Promise.all(
        clients.map(async (c) => {
          const r = await c.exited;
          if (r.code !== 0)
            throw new Error(`client exited ${r.code ?? r.signal}: ${r.stderr.slice(-4000)}`);
        }),
      );
      const served: ChildResult = await Promise.race([
        second.exited,
        failedClient.then(() => second.exited),
      ]);
      expect(served.code, served.stderr.slice(-4000)).toBe(0);
      expect(served.stderr).toContain('"event":"coordinator-resumed"');
      const theta = bits(JSON.parse(served.stdout.trim().split('\n').at(-1)!).theta as string);
      const ref = reference.theta!;
      expect(theta).toEqual(new Uint32Array(ref.buffer, ref.byteOffset, ref.length));
      for (const c of await Promise.all(clients.map((x) => x.exited))) {
        expect(c.code, c.stderr.slice(-2000)).toBe(0);
        expect(bits(JSON.parse(c.stdout.trim().split('\n').at(-1)!).theta as string)).toEqual(
          theta,
        );
        expect(c.stderr).toContain('"event":"coordinator-started"');
      }
      // The server restart happened while the run was going on: the clients reconnected.
      const results = await Promise.all(clients.map((x) => x.exited));
      expect(results.some((c) => c.stderr.includes('"event":"reconnected"'))).toBe(true);
    }, 240_000);
  },
);
