// Two rounds of federated ZO fine-tuning on a toy quadratic, plus catch-up from replay logs.
// Run after `npm run build` (in this package and in packages/zo-estimator).
import { ZoOptimizer } from '@meerkat/zo-estimator';
import {
  catchUp,
  decodeReplayLog,
  encodeReplayLog,
  FederatedServer,
  partitionDirichlet,
} from '../dist/index.js';

const k = 1000;
const theta0 = new Float32Array(k); // θ^0 = 0
const server = new FederatedServer(
  {
    runSeed: 42n,
    lr: 0.01,
    localSteps: 5,
    participation: { fraction: 0.5 },
    roundDurationMs: 60_000,
  },
  theta0,
);

// Label-skewed clients from a toy dataset of 600 examples with 3 labels.
const labels = Int32Array.from({ length: 600 }, (_, i) => i % 3);
const partition = partitionDirichlet(labels, { numClients: 6, alpha: 0.5, seed: 7n, minSize: 20 });
for (const client of partition.clients) server.registerClient(client.clientId);
console.log(
  `clients: ${partition.clients.map((c) => `${c.clientId}(${c.indices.length})`).join(' ')}`,
);
console.log(`mean TV skew: ${partition.stats.meanTvDistance.toFixed(3)}`);

// Each client's loss: ½‖θ − target_c‖², target_c from its label mix.
const targetOf = (clientId) => {
  const shard = partition.clients.find((c) => c.clientId === clientId);
  const mix = partition.stats.labelHistograms[partition.clients.indexOf(shard)];
  return Float32Array.from({ length: k }, (_, i) => (mix[i % 3] / shard.indices.length) * 2 - 0.5);
};

const laggard = server.theta; // a client that will sit out both rounds
let now = 0;
for (let round = 0; round < 2; round++) {
  const plan = server.openRound(now);
  for (const { clientId, steps, seeds } of plan.clients) {
    const theta = server.theta; // downlink: θ^r
    const target = targetOf(clientId);
    const loss = (t) => t.reduce((s, v, i) => s + 0.5 * (v - target[i]) ** 2, 0);
    const opt = new ZoOptimizer(theta, { lr: 0.01, eps: 1e-3 });
    const g = [];
    for (let t = 0; t < steps; t++) g.push((await opt.step(loss, seeds[t])).record.g);
    const numSamples = partition.clients.find((c) => c.clientId === clientId).indices.length;
    const result = server.submit({ round, clientId, g, numSamples }, now + 1000);
    console.log(`round ${round} ${clientId}: ${result.status}`);
  }
  const { stats } = server.closeRound();
  console.log(`round ${round}: ${stats.accepted.length} updates, log ${stats.logBytes} bytes`);
  now += 60_000;
}

// The laggard catches up from the (encoded) logs of rounds 0 and 1: bit-identical to the server.
const plan = server.planCatchUp(0);
const logs = plan.rounds.map((r) => decodeReplayLog(encodeReplayLog(server.logOf(r))));
catchUp(laggard, 0, logs);
const same = Buffer.from(laggard.buffer).equals(Buffer.from(server.theta.buffer));
console.log(`catch-up plan: ${JSON.stringify(plan)}; bit-identical to server θ: ${same}`);

// Checkpoint and resume.
const restored = FederatedServer.fromCheckpoint(server.checkpoint());
console.log(`checkpoint restored at round ${restored.round}, ${server.checkpoint().length} bytes`);
