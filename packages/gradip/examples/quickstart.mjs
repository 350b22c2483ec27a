// Quickstart: a server computes GradIP series from (seed, g) records and flags extreme clients.
// Run after `npm run build` in packages/zo-estimator and packages/gradip.
import { deriveSeed, ZoOptimizer } from '@meerkat/zo-estimator';
import {
  detectExtremeClients,
  EarlyStoppingPolicy,
  GradipTracker,
  scoreDetection,
} from '../dist/index.js';

const k = 16;
const runSeed = 7n;
// Each client minimises ½‖θ − target‖². A "single-label" client's target lies along ḡ_pre and is
// reached (its gradient vanishes); a "mixed" client sees a different random target every step.
const gPre = Float32Array.from({ length: k }, (_, i) => Math.cos(i));
const clients = { 'single-a': 40, 'single-b': 40, 'mixed-a': 40, 'mixed-b': 40, 'mixed-c': 40 };
const policy = new EarlyStoppingPolicy({ clients, dataSeed: runSeed, calibrationSteps: 150 });
const tracker = new GradipTracker(gPre);

for (const id of policy.clients()) {
  const theta = new Float32Array(k);
  const optimizer = new ZoOptimizer(theta, { lr: 0.05 });
  const records = [];
  for (let t = 0; t < policy.localSteps(id); t++) {
    const batch = policy.nextBatch(id, 4); // indices into this client's own data
    const target = id.startsWith('single')
      ? (i) => (id === 'single-a' ? -1 : 0.5) * gPre[i]
      : (i) => Math.sin(i * 0.37 + batch[0] * 1.3 + t);
    const loss = (th) => {
      let s = 0;
      for (let i = 0; i < k; i++) s += 0.5 * (th[i] - target(i)) ** 2;
      return s;
    };
    records.push((await optimizer.step(loss, deriveSeed(runSeed, 0, id, t))).record);
  }
  tracker.append(id, records); // the server needs only (seed, g)
}
policy.endRound();

const detections = detectExtremeClients(tracker.allSeries());
for (const d of detections) console.log(d.clientId.padEnd(9), d.reason);
policy.applyDetection(detections);
const steps = policy.clients().map((id) => `${id}: ${policy.localSteps(id)}`);
console.log(`local steps next round: ${steps.join(', ')}`);
const truth = Object.fromEntries(policy.clients().map((id) => [id, id.startsWith('single')]));
const { precision, recall } = scoreDetection(detections, truth);
console.log(`precision ${precision}, recall ${recall}`);
