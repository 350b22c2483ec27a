import { deriveSeed, fillDirection, replay } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { clientTarget, runQuadraticClient } from '../test/quadratic-client.js';
import { buildReplayLog } from './build-replay-log.js';
import type { ClientUpdate } from './client-update.js';
import { FedAggregateError } from './errors.js';
import { applyReplayLog, type ReplayLog } from './replay-log.js';

const U32 = 2 ** -24; // unit roundoff of float32 (round to nearest)

function initialTheta(k: number): Float32Array {
  return Float32Array.from({ length: k }, (_, i) => Math.cos(i * 0.11));
}

function syntheticUpdates(round: number, clients: { id: string; steps: number; n: number }[]) {
  return clients.map(({ id, steps, n }, c) => ({
    round,
    clientId: id,
    g: Array.from({ length: steps }, (_, t) => Math.sin(3 * c + t + 0.5) * 2),
    numSamples: n,
  }));
}

describe('buildReplayLog', () => {
  it('orders entries by clientId then step, derives the seeds and weights p_c = n_c/Σn', () => {
    const runSeed = 99n;
    const updates = syntheticUpdates(4, [
      { id: 'b', steps: 2, n: 30 },
      { id: 'a', steps: 3, n: 10 },
    ]);
    const log = buildReplayLog(updates, { runSeed, round: 4, lr: 0.01 });
    expect(Array.from(log.seeds)).toEqual([
      deriveSeed(runSeed, 4, 'a', 0),
      deriveSeed(runSeed, 4, 'a', 1),
      deriveSeed(runSeed, 4, 'a', 2),
      deriveSeed(runSeed, 4, 'b', 0),
      deriveSeed(runSeed, 4, 'b', 1),
    ]);
    expect(Array.from(log.p)).toEqual([0.25, 0.25, 0.25, 0.75, 0.75]);
    expect(Array.from(log.g)).toEqual([...updates[1]!.g, ...updates[0]!.g]);
  });

  it('rejects weight decay, duplicate clients, wrong rounds and bad sample counts', () => {
    const ok = syntheticUpdates(1, [{ id: 'a', steps: 1, n: 1 }]);
    const opts = { runSeed: 1n, round: 1, lr: 0.1 };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as FedAggregateError).code;
      }
      return 'none';
    };
    expect(code(() => buildReplayLog(ok, { ...opts, weightDecay: 0.1 }))).toBe('FED_UNSUPPORTED');
    expect(code(() => buildReplayLog([...ok, ...ok], opts))).toBe('FED_INVALID_ARGUMENT');
    expect(code(() => buildReplayLog(ok, { ...opts, round: 2 }))).toBe('FED_INVALID_ARGUMENT');
    expect(code(() => buildReplayLog([{ ...ok[0]!, numSamples: 1.5 }], opts))).toBe(
      'FED_INVALID_ARGUMENT',
    );
    expect(code(() => buildReplayLog([{ ...ok[0]!, g: [Number.NaN] }], opts))).toBe(
      'FED_INVALID_ARGUMENT',
    );
  });

  it('an empty round gives an empty log that leaves θ unchanged', () => {
    const theta = initialTheta(17);
    const before = theta.slice();
    applyReplayLog(theta, buildReplayLog([], { runSeed: 1n, round: 0, lr: 0.1 }));
    expect(theta).toEqual(before);
  });
});

describe('applyReplayLog', () => {
  it('matches independent per-client virtual paths averaged in float64, within a derived float32 bound', () => {
    const k = 257;
    const runSeed = 2024n;
    const round = 3;
    const lr = 0.02;
    const clients = [
      { id: 'c7', steps: 4, n: 13 },
      { id: 'c1', steps: 1, n: 50 },
      { id: 'c3', steps: 6, n: 7 },
    ];
    const updates = syntheticUpdates(round, clients);
    const thetaR = initialTheta(k);
    const server = applyReplayLog(thetaR.slice(), buildReplayLog(updates, { runSeed, round, lr }));

    // Reference: replay each client's own path with zo-estimator's replay(), then average in float64.
    const total = clients.reduce((s, c) => s + c.n, 0);
    const reference = new Float64Array(k);
    // Bound on |intermediate values| per coordinate: |θ^r| + η Σ_c Σ_t |g z|.
    const magnitude = Float64Array.from(thetaR, Math.abs);
    const z = new Float32Array(k);
    for (const u of updates) {
      const records = u.g.map((g, t) => ({ seed: deriveSeed(runSeed, round, u.clientId, t), g }));
      const path = replay(thetaR.slice(), records, lr);
      for (let i = 0; i < k; i++) reference[i]! += (u.numSamples / total) * path[i]!;
      for (const r of records) {
        fillDirection(r.seed, z);
        for (let i = 0; i < k; i++) magnitude[i]! += lr * Math.abs(r.g * z[i]!);
      }
    }
    // Each float32 store rounds by ≤ u·|value|: the server path has N = 11 stores per
    // coordinate, a reference path ≤ T_max = 6, averaged with weights summing to 1.
    const n = 11;
    const tMax = 6;
    let worst = 0;
    for (let i = 0; i < k; i++) {
      const bound = (n + tMax + 1) * U32 * magnitude[i]!;
      const err = Math.abs(server[i]! - reference[i]!);
      expect(err).toBeLessThanOrEqual(bound);
      worst = Math.max(worst, err / bound);
    }
    // The update really moved θ (the comparison is not vacuous).
    let moved = 0;
    for (let i = 0; i < k; i++) moved = Math.max(moved, Math.abs(server[i]! - thetaR[i]!));
    expect(moved).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('for a single client (p = 1) equals replay() of its records bit for bit', () => {
    const k = 1001;
    const runSeed = 5n;
    const g = [0.3, -1.25, 2.5, 0.001, -0.7, 1.5];
    const update: ClientUpdate = { round: 0, clientId: 'solo', g, numSamples: 42 };
    for (const directions of [1, 2, 3]) {
      const steps = g.length / directions;
      const log = buildReplayLog([update], { runSeed, round: 0, lr: 0.05, directions });
      expect(Array.from(log.p)).toEqual(new Array(steps).fill(1));
      const a = applyReplayLog(initialTheta(k), log);
      const records = Array.from({ length: steps }, (_, t) => {
        const gs = g.slice(t * directions, (t + 1) * directions);
        const seed = deriveSeed(runSeed, 0, 'solo', t);
        return directions === 1
          ? { seed, g: gs[0]! }
          : { seed, g: gs.reduce((x, y) => x + y) / directions, gs };
      });
      const b = replay(initialTheta(k), records, { lr: 0.05, directions });
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      expect(b).not.toEqual(initialTheta(k));
    }
  });

  it("server replay of live ZoOptimizer clients' uploaded g equals their live θ_c", async () => {
    const k = 64;
    const runSeed = 77n;
    const round = 2;
    const lr = 0.01;
    const thetaR = initialTheta(k);
    // Single client, p = 1: bit for bit.
    const solo = await runQuadraticClient(thetaR, { runSeed, round, clientId: 'x', steps: 5, lr });
    const soloServer = applyReplayLog(
      thetaR.slice(),
      buildReplayLog([solo.update], { runSeed, round, lr }),
    );
    expect(Buffer.from(soloServer.buffer).equals(Buffer.from(solo.theta.buffer))).toBe(true);
    // The client really descended its own quadratic.
    const target = clientTarget('x', k);
    const dist = (t: Float32Array) => t.reduce((s, v, i) => s + (v - target[i]!) ** 2, 0);
    expect(dist(solo.theta)).toBeLessThan(dist(thetaR));

    // Several clients: each client's own log (p = 1) replays its live θ_c exactly, and the
    // aggregate equals Σ p_c θ_c up to float32 rounding.
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((clientId, i) =>
        runQuadraticClient(thetaR, { runSeed, round, clientId, steps: 3, lr, numSamples: 5 + i }),
      ),
    );
    for (const run of runs) {
      const own = applyReplayLog(
        thetaR.slice(),
        buildReplayLog([run.update], { runSeed, round, lr }),
      );
      expect(Buffer.from(own.buffer).equals(Buffer.from(run.theta.buffer))).toBe(true);
    }
    const aggregated = applyReplayLog(
      thetaR.slice(),
      buildReplayLog(
        runs.map((r) => r.update),
        { runSeed, round, lr },
      ),
    );
    const total = runs.reduce((s, r) => s + r.update.numSamples, 0);
    for (let i = 0; i < k; i++) {
      let mix = 0;
      let scale = Math.abs(thetaR[i]!);
      for (const r of runs) {
        mix += (r.update.numSamples / total) * r.theta[i]!;
        scale = Math.max(scale, Math.abs(r.theta[i]!));
      }
      // 9 server stores + 3 client stores, each ≤ u·(2·scale) in magnitude.
      expect(Math.abs(aggregated[i]! - mix)).toBeLessThanOrEqual(13 * U32 * 2 * scale + 1e-30);
    }
  });

  it('rejects inconsistent logs and mismatched scratch', () => {
    const log: ReplayLog = {
      round: 0,
      lr: 0.1,
      directions: 1,
      distribution: 'gaussian',
      seeds: new BigUint64Array([1n]),
      g: new Float64Array([1, 2]),
      p: new Float64Array([1]),
    };
    expect(() => applyReplayLog(new Float32Array(4), log)).toThrow(FedAggregateError);
    const good = { ...log, g: new Float64Array([1]) };
    expect(() => applyReplayLog(new Float32Array(4), good, new Float32Array(3))).toThrow(
      /scratch length/,
    );
    expect(() =>
      applyReplayLog(new Float32Array(4), { ...good, p: new Float64Array([1.5]) }),
    ).toThrow(/weight p/);
  });

  it('rejects weights no p_c = n_c/Σn can give (runs of equal p summing past 1), keeps the ambiguous ones', () => {
    const log = (p: number[]): ReplayLog => ({
      round: 0,
      lr: 0.1,
      directions: 1,
      distribution: 'gaussian',
      seeds: BigUint64Array.from(p, (_, i) => BigInt(i + 1)),
      g: new Float64Array(p.length).fill(0.5),
      p: Float64Array.from(p),
    });
    const theta0 = new Float32Array(5).fill(0.25);
    for (const p of [
      [0.75, 0.75, 0.5],
      [0.6, 0.5],
      [1, 1e-3],
    ]) {
      const theta = theta0.slice();
      expect(errorCodeOf(() => applyReplayLog(theta, log(p)))).toBe('FED_INVALID_ARGUMENT');
      expect(theta).toEqual(theta0);
    }
    // Without client ids a log cannot tell one 2-step client of weight ½ from two 1-step clients.
    for (const p of [[0.5, 0.5], [0.25, 0.25, 0.75], [1, 1, 1], [0.5]]) {
      expect(errorCodeOf(() => applyReplayLog(theta0.slice(), log(p)))).toBe('no error');
    }
    // Real weights pass despite rounding: 100 clients with n = 1 .. 100, whose Σ fl(n/Σn) exceeds 1.
    const updates = Array.from({ length: 100 }, (_, c) => ({
      round: 0,
      clientId: `c${String(c).padStart(3, '0')}`,
      g: [0.1, -0.2],
      numSamples: c + 1,
    }));
    const built = buildReplayLog(updates, { runSeed: 3n, round: 0, lr: 0.1 });
    let runSum = 0;
    for (let i = 0; i < built.p.length; i += 2) runSum += built.p[i]!;
    expect(runSum).toBeGreaterThan(1);
    expect(errorCodeOf(() => applyReplayLog(theta0.slice(), built))).toBe('no error');
  });
});
