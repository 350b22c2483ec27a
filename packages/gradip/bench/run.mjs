// GradIP series cost per step vs fillDirection alone, measured in the same run.
// Run after building: `npm run build -w @meerkat/zo-estimator && npm run build && npm run bench`.
import { deriveSeed, fillDirection } from '@meerkat/zo-estimator';
import { gradipSeries } from '../dist/index.js';

/** Best of 3 timed repetitions after a warm-up, in ms per step. */
function timePerStep(fn, steps) {
  fn(Math.min(3, steps));
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < 3; rep++) {
    const start = process.hrtime.bigint();
    fn(steps);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6 / steps);
  }
  return best;
}

console.log(`node ${process.version}, ${process.arch}`);
for (const k of [100_000, 1_000_000]) {
  const steps = k >= 1_000_000 ? 20 : 100;
  const gPre = Float32Array.from({ length: k }, (_, i) => Math.sin(i));
  const scratch = new Float32Array(k);
  const records = Array.from({ length: steps }, (_, t) => ({
    seed: deriveSeed(1n, 0, 'bench', t),
    g: 0.5,
  }));
  const fillMs = timePerStep((n) => {
    for (let t = 0; t < n; t++) fillDirection(records[t].seed, scratch);
  }, steps);
  const gradipMs = timePerStep((n) => gradipSeries(records.slice(0, n), gPre, {}, scratch), steps);
  console.log(
    `k = ${k.toExponential(0)}: fillDirection ${fillMs.toFixed(3)} ms/step, ` +
      `GradIP ${gradipMs.toFixed(3)} ms/step, ratio ${(gradipMs / fillMs).toFixed(2)}×`,
  );
}
