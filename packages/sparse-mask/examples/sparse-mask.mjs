// Calibrate a 1% Fisher mask on a toy two-tensor model, compare it with the baselines,
// save it in the binary format and load it back. Run after `npm run build`.
import {
  createLayout,
  decodeMask,
  encodeMask,
  gatherMasked,
  MaskCalibrator,
  magnitudeMask,
  maskEnergy,
  randomMask,
  scatterMasked,
} from '../dist/index.js';

const layout = createLayout([
  { name: 'layer.weight', shape: [64, 32] },
  { name: 'layer.bias', shape: [32] },
]);
console.log(`layout ${layout.fingerprint}: d = ${layout.size}`);

// Synthetic "pre-training" gradients: a few coordinates are consistently large.
let state = 1;
const rand = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32 - 0.5;
};
const hot = (i) => (i % 97 === 0 ? 20 : 1);
const calibrator = new MaskCalibrator(layout);
for (let b = 0; b < 16; b++) {
  const g = new Float32Array(layout.size);
  for (let i = 0; i < g.length; i++) g[i] = rand() * hot(i);
  calibrator.addBatch(g);
}
const mask = calibrator.select({ size: { density: 0.01 } });
console.log(
  `calibrated mask: k = ${mask.indices.length}, first indices ${Array.from(mask.indices.slice(0, 5))}`,
);

// How much of a task gradient's energy the mask holds, vs a random mask of equal k.
const task = new Float32Array(layout.size);
for (let i = 0; i < task.length; i++) task[i] = rand() * hot(i);
const energy = maskEnergy(mask, layout, task, { randomSeed: 7n });
console.log(
  `mask energy ${(100 * energy.fraction).toFixed(1)}% vs random ${(100 * energy.randomFraction).toFixed(1)}% (${energy.ratioToRandom.toFixed(1)}x the k/d expectation)`,
);

const weights = new Float32Array(layout.size).map(() => rand());
console.log(
  `baselines: random k = ${randomMask(layout, { density: 0.01 }, 42n).indices.length}, magnitude k = ${magnitudeMask(layout, weights, { density: 0.01 }).indices.length}`,
);

const bytes = encodeMask(mask);
const loaded = decodeMask(bytes, layout);
console.log(
  `encoded ${bytes.length} bytes; decoded k = ${loaded.indices.length}, gradMean[0] = ${loaded.gradMean[0].toFixed(4)}`,
);

// The trainable vector θ = w[M], and back.
const theta = gatherMasked(loaded, layout, weights);
theta.fill(0);
scatterMasked(loaded, layout, theta, weights);
console.log(
  `theta has ${theta.length} entries; weights at the mask are now zero: ${loaded.indices.every((i) => weights[i] === 0)}`,
);
