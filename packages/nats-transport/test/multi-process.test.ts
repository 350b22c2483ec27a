import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '@meerkat/trainer/testing';
import { describe, expect, it } from 'vitest';
import { readRunState } from '../src/run-state.js';
import { spawnNode } from './child-bundle.js';
import { bits, serveWithRoundSignal, simulatedTheta, useJoinProcessRun } from './join-processes.js';
import { junkUplink, mulberry32 } from './junk-uplink.js';

const CLIENTS = ['client-000', 'client-001', 'client-002', 'client-003'];
const OVERRIDES = { clients: 4, rounds: 3, localSteps: 2, backend: 'tfjs:wasm' };

/**
 * `meerkat serve` + 4 `meerkat join` processes over a real nats-server on 127.0.0.1: the
 * coordinator's final θ, and every client's, is bit-identical to the in-process simulation of
 * the same config — with 2,000 random and malformed messages sent during the run.
 */
const SUITE = `1 coordinator + 4 client processes over NATS (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  const run = useJoinProcessRun(CLIENTS);

  it('gives θ bit-identical to the in-process simulation', async () => {
    const { fx, nc, script } = run;
    const reference = await simulatedTheta(tinyConfig(tempRunDir(), OVERRIDES));
    const { served, lines, closed } = serveWithRoundSignal(
      nc,
      tinyConfig(tempRunDir(), OVERRIDES),
      1,
    );
    const children = CLIENTS.map((id) =>
      spawnNode(script, [fx.url(), 'run', id, fx.clients.get(id)!.seed]),
    );
    // While rounds 2 and 3 run, every client's credentials are used to send 2,000 bad messages
    // on its own subject (the only one it may publish on).
    const fuzz = (async () => {
      await closed;
      const raws = await Promise.all(CLIENTS.map((id) => fx.connect({ clientId: id })));
      const rand = mulberry32(6);
      for (let i = 0; i < 2000; i++) {
        const c = i % 4;
        raws[c]!.publish(
          fx.subjects.update(CLIENTS[c]!),
          junkUplink(i, CLIENTS[c]!, CLIENTS[(c + 1) % 4]!, rand),
        );
        if (i % 100 === 99) await Promise.all(raws.map((r) => r.flush()));
      }
      await Promise.all(raws.map((r) => r.close()));
    })();
    // A client that dies fails the test with its log instead of leaving the coordinator waiting.
    const failed = Promise.all(
      children.map(async (c) => {
        const r = await c.exited;
        if (r.code !== 0)
          throw new Error(`client exited ${r.code ?? r.signal}: ${r.stderr.slice(-6000)}`);
      }),
    );
    const { theta } = await Promise.race([served, failed.then(() => served)]);
    await fuzz;
    const results = await Promise.all(children.map((c) => c.exited));
    expect(bits(theta)).toEqual(bits(reference));
    for (const r of results) {
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        theta: string;
        rounds: number;
      };
      const clientTheta = new Float32Array(new Uint8Array(Buffer.from(out.theta, 'base64')).buffer);
      expect(bits(clientTheta)).toEqual(bits(theta));
      expect(out.rounds).toBeGreaterThan(0);
    }
    const state = await readRunState(nc, fx.subjects);
    expect(state).toMatchObject({ status: 'finished', round: 3, rounds: 3, clients: CLIENTS });
    const events = lines.map((l) => JSON.parse(l).event);
    expect(events.filter((e) => e === 'round-closed')).toHaveLength(3);
    // The bad messages reached the coordinator during the run and were dropped with a reason.
    const rejected = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'uplink-rejected');
    expect(rejected.length).toBeGreaterThan(500);
    expect(new Set(rejected.map((l) => l.reason))).toEqual(
      new Set(['malformed', 'forged-sender', 'out-of-bounds', 'wrong-direction', 'early']),
    );
  }, 180_000);
});
