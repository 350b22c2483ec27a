import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '@meerkat/trainer/testing';
import { describe, expect, it } from 'vitest';
import { spawnNode } from './child-bundle.js';
import { bits, serveWithRoundSignal, simulatedTheta, useJoinProcessRun } from './join-processes.js';

const CLIENTS = ['client-000', 'client-001', 'client-002', 'client-003'];
const OVERRIDES = { clients: 4, rounds: 4, localSteps: 2, backend: 'tfjs:wasm' };

/**
 * A client process is killed with SIGKILL while round 2 is under way and started again, and the
 * run ends on θ bit-identical to the uninterrupted in-process run (on the coordinator and every
 * client). A ZO client replays the published round logs before it re-joins and gets its announce
 * again; a fedavg-sgd client (no round logs) re-joins at θ⁰ and gets its announce again pointing
 * to a θ snapshot of the round.
 */
describe.skipIf(!HAVE_STORIES).each([
  { method: 'meerkat', catchUp: '"event":"caught-up"', how: 'from the round logs' },
  { method: 'fedavg-sgd', catchUp: '"source":"theta"', how: 'from a θ snapshot' },
])(
  `a $method client killed with -9 mid-round and restarted (stories260K)${STORIES_SKIP_NOTE}`,
  ({ method, catchUp, how }) => {
    const run = useJoinProcessRun(CLIENTS);
    const overrides = { ...OVERRIDES, method };

    it(`catches up ${how} and the run ends on the same θ`, async () => {
      const { fx, nc, script } = run;
      const reference = await simulatedTheta(tinyConfig(tempRunDir(), overrides));
      const { served, lines, closed } = serveWithRoundSignal(
        nc,
        tinyConfig(tempRunDir(), overrides),
        1,
      );
      const start = (id: string) =>
        spawnNode(script, [fx.url(), 'run', id, fx.clients.get(id)!.seed]);
      const children = new Map(CLIENTS.map((id) => [id, start(id)]));
      await Promise.race([
        closed,
        served.then(() => {
          throw new Error('the run ended before round 1 closed');
        }),
      ]);
      const victim = children.get('client-001')!;
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      const restarted = start('client-001');
      children.set('client-001', restarted);
      let timer: NodeJS.Timeout | undefined;
      const { theta } = await Promise.race([
        served,
        new Promise<never>((_, reject) => {
          timer = setTimeout(async () => {
            restarted.child.kill('SIGKILL');
            const r = await restarted.exited;
            reject(
              new Error(
                `run did not finish in 90 s.\ncoordinator:\n${lines.slice(-25).join('')}\nrestarted client:\n${r.stderr.slice(-3000)}`,
              ),
            );
          }, 90_000);
        }),
      ]);
      clearTimeout(timer);
      expect(bits(theta)).toEqual(bits(reference));
      for (const [id, c] of children) {
        const r = await c.exited;
        expect(r.code, `${id}: ${r.stderr.slice(-3000)}`).toBe(0);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { theta: string };
        expect(new Uint32Array(new Uint8Array(Buffer.from(out.theta, 'base64')).buffer)).toEqual(
          bits(theta),
        );
      }
      expect((await restarted.exited).stderr).toContain(catchUp);
    }, 180_000);
  },
);
