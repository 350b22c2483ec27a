import { deriveSeed, fillDirection, replay } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { runQuadraticClient } from '../test/quadratic-client.js';
import { catchUp } from './catch-up.js';
import { FedAggregateError } from './errors.js';
import { FederatedServer } from './federated-server.js';
import { decodeReplayLog, encodeReplayLog, replayLogByteLength } from './replay-log-codec.js';
import type { FederatedServerConfig } from './server-config.js';

const K = 48;
const theta0 = () => Float32Array.from({ length: K }, (_, i) => 0.5 - i / K);
const bits = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

function makeServer(config: Partial<FederatedServerConfig> = {}) {
  const server = new FederatedServer(
    { runSeed: 11n, lr: 0.01, localSteps: 2, roundDurationMs: 1000, ...config },
    theta0(),
  );
  for (const id of ['alice', 'bob', 'carol', 'dave']) server.registerClient(id);
  return server;
}

describe('FederatedServer: rounds and validation', () => {
  it('openRound samples reproducibly, hands out derived seeds and per-client steps', () => {
    const server = makeServer({ participation: { count: 3 } });
    server.setLocalSteps('bob', 1);
    const plan = server.openRound(0);
    expect(plan.round).toBe(0);
    expect(plan.deadline).toBe(1000);
    expect(plan.clients).toHaveLength(3);
    const again = makeServer({ participation: { count: 3 } }).openRound(0);
    expect(again.clients.map((c) => c.clientId)).toEqual(plan.clients.map((c) => c.clientId));
    for (const c of plan.clients) {
      expect(c.steps).toBe(c.clientId === 'bob' ? 1 : 2);
      expect(c.seeds).toEqual(
        Array.from({ length: c.steps }, (_, t) => deriveSeed(11n, 0, c.clientId, t)),
      );
    }
    expect(() => server.openRound(1)).toThrow(/still open/);
  });

  it('validates updates and never changes state on rejection', () => {
    const server = makeServer();
    server.openRound(0);
    const ok = { round: 0, clientId: 'alice', g: [0.5, -0.25], numSamples: 8 };
    const snapshotBefore = server.checkpoint();
    const cases: [object, string][] = [
      [{ ...ok, round: 1 }, 'wrong-round'],
      [{ ...ok, clientId: 'mallory' }, 'unknown-client'],
      [{ ...ok, g: [0.5] }, 'wrong-step-count'],
      [{ ...ok, numSamples: 0 }, 'invalid-num-samples'],
      [{ ...ok, numSamples: 2.5 }, 'invalid-num-samples'],
      [{ ...ok, g: [0.5, Number.NaN] }, 'non-finite-g'],
      [{ ...ok, g: [0.5, Number.POSITIVE_INFINITY] }, 'non-finite-g'],
      [{ ...ok, skippedSteps: 3 }, 'invalid-skipped-steps'],
      [{ ...ok, loss: { mean: Number.NaN } }, 'invalid-loss'],
      [{ ...ok, g: 'nope' }, 'malformed'],
    ];
    for (const [update, code] of cases) {
      const result = server.submit(update as typeof ok, 10);
      expect(result).toMatchObject({ status: 'rejected', code });
    }
    expect(server.submit(ok, 1001)).toMatchObject({ status: 'rejected', code: 'late' });
    expect(Buffer.from(server.checkpoint()).equals(Buffer.from(snapshotBefore))).toBe(true);
    expect(server.submit(ok, 10)).toEqual({ status: 'accepted' });
    expect(server.submit({ ...ok, g: Float64Array.from(ok.g) }, 20)).toEqual({
      status: 'duplicate',
    });
    expect(server.submit(ok, 5000)).toEqual({ status: 'duplicate' });
    expect(server.submit({ ...ok, g: [0.5, -0.2] }, 20)).toMatchObject({ code: 'conflict' });
    const result = server.closeRound();
    expect(result.stats.accepted).toEqual(['alice']);
    expect(result.stats.missing).toEqual(['bob', 'carol', 'dave']);
    expect(result.log.seeds.length).toBe(2); // counted once despite the duplicates
    expect(server.submit(ok, 30)).toMatchObject({ code: 'late' });
  });

  it('gMax bounds |g| and not-sampled clients are rejected', () => {
    const server = makeServer({ gMax: 1, participation: { count: 1 } });
    const plan = server.openRound(0);
    const sampled = plan.clients[0]!.clientId;
    const other = ['alice', 'bob', 'carol', 'dave'].find((id) => id !== sampled)!;
    const base = { round: 0, g: [0.5, 1.5], numSamples: 1 };
    expect(server.submit({ ...base, clientId: sampled }, 0)).toMatchObject({
      code: 'g-out-of-bounds',
    });
    expect(server.submit({ ...base, clientId: other, g: [0, 0] }, 0)).toMatchObject({
      code: 'not-sampled',
    });
    expect(server.submit({ ...base, clientId: sampled, g: [1, -1] }, 0).status).toBe('accepted');
  });

  it('a round below quorum leaves θ unchanged, emits an empty log and still advances', () => {
    const server = makeServer({ minUpdates: 2 });
    server.openRound(0);
    server.submit({ round: 0, clientId: 'alice', g: [1, 1], numSamples: 1 }, 0);
    const result = server.closeRound();
    expect(result.stats.applied).toBe(false);
    expect(result.log.seeds.length).toBe(0);
    expect(bits(result.theta).equals(bits(theta0()))).toBe(true);
    expect(server.round).toBe(1);
    expect(() => server.closeRound()).toThrow(FedAggregateError);
  });

  it('rejects weightDecay in the config with FED_UNSUPPORTED', () => {
    const config = { runSeed: 1n, lr: 0.1, weightDecay: 0.01 } as FederatedServerConfig;
    expect(() => new FederatedServer(config, theta0())).toThrow(
      expect.objectContaining({ code: 'FED_UNSUPPORTED' }),
    );
  });
});

/** Runs rounds [from, to) with quadratic clients; returns the server. */
async function runRounds(server: FederatedServer, from: number, to: number) {
  for (let round = from; round < to; round++) {
    const plan = server.openRound(round * 100);
    const theta = server.theta;
    // Submit in reverse order to show arrival order does not matter.
    for (const c of [...plan.clients].reverse()) {
      const run = await runQuadraticClient(theta, {
        runSeed: server.config.runSeed,
        round,
        clientId: c.clientId,
        steps: c.steps,
        lr: server.config.lr,
        numSamples: 3 + c.clientId.length,
      });
      expect(server.submit(run.update, round * 100 + 1).status).toBe('accepted');
    }
    server.closeRound();
  }
  return server;
}

describe('FederatedServer: checkpoints and catch-up', () => {
  it('R rounds uninterrupted equal r rounds → checkpoint bytes (mid-round) → fresh server → the rest, bit for bit', async () => {
    const config = { participation: { fraction: 0.5 }, retainLogs: 3 };
    const reference = makeServer(config);
    reference.setLocalSteps('carol', 1);
    await runRounds(reference, 0, 6);

    const first = makeServer(config);
    first.setLocalSteps('carol', 1);
    await runRounds(first, 0, 3);
    // Checkpoint in the middle of round 3, with one update already received.
    const plan = first.openRound(300);
    const theta3 = first.theta;
    const clientRun = (c: (typeof plan.clients)[number]) =>
      runQuadraticClient(theta3, {
        runSeed: 11n,
        round: 3,
        clientId: c.clientId,
        steps: c.steps,
        lr: 0.01,
        numSamples: 3 + c.clientId.length,
      });
    const firstUpdate = (await clientRun(plan.clients[0]!)).update;
    expect(first.submit(firstUpdate, 301).status).toBe('accepted');
    const bytes = first.checkpoint();

    const resumed = FederatedServer.fromCheckpoint(bytes);
    expect(resumed.round).toBe(3);
    expect(resumed.isRoundOpen).toBe(true);
    expect(resumed.currentPlan).toEqual(plan);
    expect(Buffer.from(resumed.checkpoint()).equals(Buffer.from(bytes))).toBe(true);
    expect(resumed.submit(firstUpdate, 302)).toEqual({ status: 'duplicate' });
    for (const c of plan.clients.slice(1)) {
      expect(resumed.submit((await clientRun(c)).update, 301).status).toBe('accepted');
    }
    resumed.closeRound();
    await runRounds(resumed, 4, 6);
    expect(resumed.round).toBe(6);
    expect(bits(resumed.theta).equals(bits(reference.theta))).toBe(true);
    expect(resumed.retainedLogRounds).toEqual([3, 4, 5]);
    for (const r of [3, 4, 5]) expect(resumed.logOf(r)).toEqual(reference.logOf(r));
  });

  it('pure resume at a round boundary matches the uninterrupted run bit for bit', async () => {
    const config = { participation: { count: 2 } };
    const straight = await runRounds(makeServer(config), 0, 5);
    const half = await runRounds(makeServer(config), 0, 2);
    const resumed = await runRounds(FederatedServer.fromCheckpoint(half.checkpoint()), 2, 5);
    expect(bits(resumed.theta).equals(bits(straight.theta))).toBe(true);
    expect(bits(resumed.theta).equals(bits(theta0()))).toBe(false);
  });

  it('a client that missed rounds catches up from encoded logs to the server θ bit for bit', async () => {
    const server = makeServer({ retainLogs: 4, maxLogGap: 3 });
    const clientTheta = server.theta; // θ^0
    await runRounds(server, 0, 3);
    const plan = server.planCatchUp(0);
    expect(plan).toEqual({ kind: 'replay', rounds: [0, 1, 2] });
    if (plan.kind !== 'replay') throw new Error('unreachable');
    const wire = plan.rounds.map((r) => encodeReplayLog(server.logOf(r)!));
    for (const [i, bytes] of wire.entries()) {
      const log = server.logOf(plan.rounds[i]!)!;
      expect(bytes.length).toBe(replayLogByteLength(log.seeds.length));
    }
    expect(catchUp(clientTheta, 0, wire.map(decodeReplayLog))).toBe(3);
    expect(bits(clientTheta).equals(bits(server.theta))).toBe(true);

    await runRounds(server, 3, 6);
    expect(server.retainedLogRounds).toEqual([2, 3, 4, 5]);
    expect(server.planCatchUp(2)).toEqual({ kind: 'checkpoint', reason: 'gap-too-large' });
    expect(server.planCatchUp(3)).toEqual({ kind: 'replay', rounds: [3, 4, 5] });
  });
});

describe('FederatedServer: returned values are copies, ids are checked', () => {
  it('mutating the log closeRound() or logOf() returns changes neither logOf() nor the checkpoint', () => {
    const server = makeServer();
    server.openRound(0);
    server.submit({ round: 0, clientId: 'alice', g: [0.5, -0.25], numSamples: 8 }, 0);
    server.submit({ round: 0, clientId: 'bob', g: [0.125, 1], numSamples: 2 }, 0);
    const { log } = server.closeRound();
    const pristine = server.logOf(0)!;
    const bytes = server.checkpoint();
    log.g[0] = 1e30;
    log.p[0] = 1;
    log.seeds[0] = 0n;
    const again = server.logOf(0)!;
    again.g.fill(7);
    again.p.fill(0.5);
    again.seeds.fill(1n);
    expect(server.logOf(0)).toEqual(pristine);
    expect(server.logOf(0)!.g[0]).toBe(0.5);
    expect(Buffer.from(server.checkpoint()).equals(Buffer.from(bytes))).toBe(true);
    // A client catching up from the (unchanged) retained log still reaches the server's θ.
    const client = theta0();
    catchUp(client, 0, [decodeReplayLog(encodeReplayLog(server.logOf(0)!))]);
    expect(bits(client).equals(bits(server.theta))).toBe(true);
  });

  it('setLocalSteps for an unregistered id is FED_INVALID_ARGUMENT and changes nothing', () => {
    const server = makeServer();
    const before = server.checkpoint();
    expect(errorCodeOf(() => server.setLocalSteps('mallory', 3))).toBe('FED_INVALID_ARGUMENT');
    expect(errorCodeOf(() => server.setLocalSteps('mallory', undefined))).toBe(
      'FED_INVALID_ARGUMENT',
    );
    expect(Buffer.from(server.checkpoint()).equals(Buffer.from(before))).toBe(true);
    server.registerClient('mallory');
    server.setLocalSteps('mallory', 3);
    expect(server.snapshot().localStepOverrides).toEqual([['mallory', 3]]);
  });

  it('an identical resend with loss −0 (or skippedSteps −0) stays a duplicate after a resume', () => {
    const server = makeServer();
    server.openRound(0);
    const update = {
      round: 0,
      clientId: 'alice',
      g: [-0, 0.25],
      numSamples: 8,
      loss: { mean: -0, first: -0, last: 0.5 },
      skippedSteps: -0,
    };
    expect(server.submit(update, 0)).toEqual({ status: 'accepted' });
    expect(server.submit(update, 1)).toEqual({ status: 'duplicate' });
    const thetaBefore = server.theta;
    const resumed = FederatedServer.fromCheckpoint(server.checkpoint());
    expect(resumed.snapshot()).toEqual(server.snapshot());
    expect(resumed.submit(update, 2)).toEqual({ status: 'duplicate' });
    // g is still compared bit for bit (it is stored exactly), and other values still conflict.
    expect(resumed.submit({ ...update, g: [0, 0.25] }, 2)).toMatchObject({ code: 'conflict' });
    expect(resumed.submit({ ...update, loss: { mean: 1e-300 } }, 2)).toMatchObject({
      code: 'conflict',
    });
    expect(bits(resumed.theta).equals(bits(thetaBefore))).toBe(true);
    const { stats, log } = resumed.closeRound();
    expect(stats.accepted).toEqual(['alice']);
    expect(stats.meanLoss).toBe(0);
    expect(log.seeds.length).toBe(2);
    expect(Object.is(log.g[0], -0)).toBe(true);
  });
});

describe('FederatedServer with live ZoOptimizer clients and d = 2 directions', () => {
  const runSeed = 31n;
  const lr = 0.02;
  const directions = 2;
  const U32 = 2 ** -24;

  async function liveRound(ids: string[], steps: Record<string, number>) {
    const server = new FederatedServer({ runSeed, lr, directions, localSteps: 3 }, theta0());
    for (const id of ids) server.registerClient(id);
    for (const [id, s] of Object.entries(steps)) server.setLocalSteps(id, s);
    const plan = server.openRound(0);
    const thetaR = server.theta;
    const runs = [];
    for (const c of plan.clients) {
      const run = await runQuadraticClient(thetaR, {
        runSeed,
        round: 0,
        clientId: c.clientId,
        steps: c.steps,
        lr,
        directions,
        numSamples: 2 + 3 * c.clientId.length,
      });
      expect(run.update.g).toHaveLength(c.steps * directions);
      expect(server.submit(run.update, 1)).toEqual({ status: 'accepted' });
      runs.push(run);
    }
    const result = server.closeRound();
    return { thetaR, runs, result };
  }

  it('one client (p = 1): the server θ equals the live θ_c and replay() of its records bit for bit', async () => {
    const { thetaR, runs, result } = await liveRound(['solo'], {});
    const run = runs[0]!;
    expect(result.log.g).toHaveLength(3 * directions);
    expect(bits(result.theta).equals(bits(run.theta))).toBe(true);
    const replayed = replay(thetaR.slice(), run.records, { lr, directions });
    expect(bits(result.theta).equals(bits(replayed))).toBe(true);
    expect(bits(result.theta).equals(bits(thetaR))).toBe(false);
  });

  it('several clients: the server θ equals Σ p_c · replay_c(θ^r) within (N + T_max + 1)·2⁻²⁴·M', async () => {
    const { thetaR, runs, result } = await liveRound(['ann', 'bo', 'cyrus'], { bo: 1, cyrus: 4 });
    const total = runs.reduce((s, r) => s + r.update.numSamples, 0);
    const reference = new Float64Array(K);
    // M: |θ^r| + η Σ_c Σ_t (1/d) Σ_s |g_s z_s| bounds every intermediate value per coordinate.
    const magnitude = Float64Array.from(thetaR, Math.abs);
    const z = new Float32Array(K);
    let stores = 0; // float32 stores per coordinate on the server path: one per entry and direction
    let maxClientStores = 0;
    for (const run of runs) {
      const path = replay(thetaR.slice(), run.records, { lr, directions });
      expect(bits(path).equals(bits(run.theta))).toBe(true);
      for (let i = 0; i < K; i++) reference[i]! += (run.update.numSamples / total) * path[i]!;
      for (const record of run.records) {
        for (let s = 0; s < directions; s++) {
          fillDirection(record.seed, z, { stream: s, distribution: 'gaussian' });
          const gs = record.gs![s]!;
          for (let i = 0; i < K; i++) magnitude[i]! += (lr * Math.abs(gs * z[i]!)) / directions;
        }
      }
      stores += run.records.length * directions;
      maxClientStores = Math.max(maxClientStores, run.records.length * directions);
    }
    expect(stores).toBe(16);
    let moved = 0;
    for (let i = 0; i < K; i++) {
      const bound = (stores + maxClientStores + 1) * U32 * magnitude[i]!;
      expect(Math.abs(result.theta[i]! - reference[i]!)).toBeLessThanOrEqual(bound);
      moved = Math.max(moved, Math.abs(result.theta[i]! - thetaR[i]!));
    }
    expect(moved).toBeGreaterThan(1e-4);
  });
});
