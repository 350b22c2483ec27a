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
    'Philox4x32-10 blocks only, pure JS (K/4 blocks)',
    best((r) => {
      for (let b = 0; b < K / 4; b++) philox4x32Into(b, 0, 0, 0, r, 7, block);
    }),
  ],
  ['fillDirection gaussian', best((r) => fillDirection(BigInt(r), out))],
  [
    'fillDirection rademacher',
    best((r) => fillDirection(BigInt(r), out, { distribution: 'rademacher' })),
  ],
  [
    'fillDirection gaussian, pure JS engine',
    best((r) => fillDirection(BigInt(r), out, { engine: 'js' })),
  ],
  [
    'fillDirection rademacher, pure JS engine',
    best((r) => fillDirection(BigInt(r), out, { distribution: 'rademacher', engine: 'js' })),
  ],
  [
    'Box-Muller alone: K/2 x (sqrt, log, cos, sin) on fixed words',
    best((r) => {
      for (let i = 0; i < K; i += 2) {
        const radius = Math.sqrt(
          -2 * Math.log(((i * 2654435761 + r + 0.5) * 2.3283064365386963e-10) % 1 || 0.5),
        );
        const angle = 6.283185307179586 * ((i * 40503 + 0.5) * 2.3283064365386963e-10);
        out[i] = radius * Math.cos(angle);
        out[i + 1] = radius * Math.sin(angle);
      }
    }),
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
