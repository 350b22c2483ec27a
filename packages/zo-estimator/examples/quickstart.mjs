// Minimise a quadratic with sparse ZO-SGD, then rebuild the result from the (seed, g) log alone.
// Run: npm run build && node examples/quickstart.mjs
import { deriveSeed, replay, ZoOptimizer } from '../dist/index.js';

const target = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
const loss = (theta) => {
  let sum = 0;
  for (let i = 0; i < theta.length; i++) sum += (theta[i] - target[i]) ** 2;
  return sum / 2;
};

const theta = new Float32Array(64);
const optimizer = new ZoOptimizer(theta, { lr: 0.01, eps: 1e-3 });
const log = [];
const runSeed = 2026n;
console.log(`loss before: ${loss(theta).toFixed(4)}`);
for (let step = 0; step < 2000; step++) {
  const seed = deriveSeed(runSeed, 0, 'client-a', step);
  const { record } = await optimizer.step(loss, seed);
  if (record) log.push(record);
}
console.log(
  `loss after ${optimizer.steps} steps (${optimizer.forwardPasses} forward passes): ${loss(theta).toFixed(4)}`,
);

// Anyone holding the log (2000 x (seed, g)) rebuilds the same θ, bit for bit.
const rebuilt = replay(new Float32Array(64), log, optimizer.updateOptions);
const identical = rebuilt.every((v, i) => Object.is(v, theta[i]));
console.log(`replayed θ identical to the live θ: ${identical}`);
if (!identical) process.exit(1);
