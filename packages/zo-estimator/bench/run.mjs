// Benchmark: direction generation speed (`npm run bench` in packages/zo-estimator).
// Target (issue): directions for k = 10^6 in <= 25 ms on the 2-core development machine.
import { fillDirection, philox4x32Into } from '../dist/index.js';

const K = 1_000_000;
const REPEATS = 15;

function best(fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    fn(r);
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

const out = new Float32Array(K);
const block = new Uint32Array(4);
const rows = [
  ['plain Float32Array.fill (memory floor)', best((r) => out.fill(r))],
  [
    'plain loop out[i] = i * c (write floor)',
    best((r) => {
      for (let i = 0; i < K; i++) out[i] = i * (r + 0.5);
    }),
  ],
  [
    'Philox4x32-10 blocks only (K/4 blocks)',
    best((r) => {
      for (let b = 0; b < K / 4; b++) philox4x32Into(b, 0, 0, 0, r, 7, block);
    }),
  ],
  ['fillDirection gaussian', best((r) => fillDirection(BigInt(r), out))],
  [
    'fillDirection rademacher',
    best((r) => fillDirection(BigInt(r), out, { distribution: 'rademacher' })),
  ],
];

console.log(`k = ${K.toLocaleString()} entries, best of ${REPEATS}`);
console.log('| what | ms | million entries/s |');
console.log('|---|---|---|');
for (const [name, ms] of rows) {
  console.log(`| ${name} | ${ms.toFixed(2)} | ${(K / ms / 1000).toFixed(1)} |`);
}
const gaussian = rows[3][1];
console.log(
  `target: gaussian k=1e6 <= 25 ms -> ${gaussian <= 25 ? 'MET' : 'NOT MET'} (${gaussian.toFixed(1)} ms, ${(gaussian / rows[0][1]).toFixed(1)}x a plain fill)`,
);
console.log(
  JSON.stringify({
    bench: 'zo-estimator/directions',
    k: K,
    ms: Object.fromEntries(rows.map(([name, ms]) => [name, Number(ms.toFixed(3))])),
  }),
);
