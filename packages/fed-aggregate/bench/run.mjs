// Benchmark: one round of 100 clients × 10 steps at k = 1e5 (1000 replay-log entries).
// Run after building both packages: (cd ../zo-estimator && npm run build) && npm run build && npm run bench
import { fillDirection } from '@meerkat/zo-estimator';
import {
  applyReplayLog,
  buildReplayLog,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeReplayLog,
  FederatedServer,
} from '../dist/index.js';

const K = 100_000;
const CLIENTS = 100;
const STEPS = 10;
const REPS = 5;
const runSeed = 2026n;
const round = 0;
const lr = 1e-3;

function best(fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const updates = Array.from({ length: CLIENTS }, (_, c) => ({
  round,
  clientId: `client-${String(c).padStart(3, '0')}`,
  g: Float64Array.from({ length: STEPS }, (_, t) => Math.sin(c * 13 + t)),
  numSamples: 50 + c,
}));
const log = buildReplayLog(updates, { runSeed, round, lr });
const seeds = log.seeds;
const theta0 = Float32Array.from({ length: K }, (_, i) => Math.cos(i));
const theta = new Float32Array(K);
const scratch = new Float32Array(K);

const genMs = best(() => {
  for (let i = 0; i < seeds.length; i++) fillDirection(seeds[i], scratch);
});
const aggMs = best(() => {
  theta.set(theta0);
  applyReplayLog(theta, log, scratch);
});
const buildMs = best(() => buildReplayLog(updates, { runSeed, round, lr }));
const logBytes = encodeReplayLog(log);

// Checkpoint at k = 1e5: 100 clients, one round's log retained, next round open with 50 updates.
const server = new FederatedServer({ runSeed, lr, localSteps: STEPS }, theta0);
for (const u of updates) server.registerClient(u.clientId);
server.openRound(0);
for (const u of updates) server.submit(u, 0);
server.closeRound();
server.openRound(1);
for (const u of updates.slice(0, 50)) server.submit({ ...u, round: 1 }, 1);
const state = server.snapshot();
let checkpoint = encodeCheckpoint(state);
const encMs = best(() => {
  checkpoint = encodeCheckpoint(state);
});
const decMs = best(() => decodeCheckpoint(checkpoint));

const ratio = aggMs / genMs;
const rows = [
  ['directions generated alone (1000 × fillDirection, k=1e5)', `${genMs.toFixed(1)} ms`],
  ['aggregation: applyReplayLog (1000 entries, k=1e5)', `${aggMs.toFixed(1)} ms`],
  ['ratio aggregation / generation (target ≤ 1.5)', ratio.toFixed(3)],
  ['buildReplayLog (100 clients × 10 steps, seed derivation)', `${buildMs.toFixed(2)} ms`],
  ['replay log encoded bytes (1000 entries)', `${logBytes.length} B`],
  ['checkpoint bytes (k=1e5, 1 log, 50 pending updates)', `${checkpoint.length} B`],
  ['checkpoint encode', `${encMs.toFixed(2)} ms`],
  ['checkpoint decode', `${decMs.toFixed(2)} ms`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`@meerkat/fed-aggregate bench — best of ${REPS}, Node ${process.version}`);
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
console.log(
  JSON.stringify({
    k: K,
    clients: CLIENTS,
    steps: STEPS,
    generateMs: +genMs.toFixed(2),
    aggregateMs: +aggMs.toFixed(2),
    ratio: +ratio.toFixed(3),
    buildLogMs: +buildMs.toFixed(3),
    logBytes: logBytes.length,
    checkpointBytes: checkpoint.length,
    checkpointEncodeMs: +encMs.toFixed(2),
    checkpointDecodeMs: +decMs.toFixed(2),
  }),
);
