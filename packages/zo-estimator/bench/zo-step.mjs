// Benchmark: the non-forward work of one ZO step, and direction generation, for large k.
// `npm run build && node bench/zo-step.mjs` in packages/zo-estimator (runs against dist/).
//
// - old step: the step as ZoOptimizer made it before restore and update were fused (inlined
//   below): save, fill z, +εz, evaluate, −2εz, evaluate, restore, then applyStep, which
//   regenerates z — 2 direction generations, 4 passes over θ plus 3 copies (save, restore twice).
// - fused step: ZoOptimizer.step now — 1 generation, 3 passes (save with +εz, −2εz, update
//   written from the saved values).
// - fused + pool: the same with a direction pool (`directionPoolThreshold: 0`, so it is used at
//   every k, to show where it pays off).
// The objective is a no-op, so the times are the optimizer's own cost per step.
import os from 'node:os';
import { applyStep, fillDirection, ZoOptimizer } from '../dist/index.js';
import { createDirectionPool } from '../dist/node.js';

const SIZES = [
  ['15,191 (0.1% of stories15M)', 15_191],
  ['1.5M', 1_500_000],
  ['15.2M (all of stories15M)', 15_200_000],
  ['31.6M', 31_600_000],
];
const CROSSOVER_SIZES = [1_024, 4_096, 16_384, 65_536, 262_144];
const EPS = 1e-3;
const LR = 1e-4;
const noop = () => 0;

/**
 * Times several variants of the same work, interleaved round by round so that they share the
 * machine's load as it changes; each is warmed up first (about 0.3 s or 3 runs). Rounds: about
 * 1.5 s worth of the slowest variant, between 5 and 101. Returns each variant's median in ms.
 */
async function medians(variants) {
  const first = [];
  for (const fn of variants) {
    const warmStart = performance.now();
    let runs = 0;
    let last = 0;
    while (runs < 3 || (performance.now() - warmStart < 300 && runs < 200)) {
      const start = performance.now();
      await fn(1_000 + runs);
      last = performance.now() - start;
      runs++;
    }
    first.push(last);
  }
  const rounds = Math.max(5, Math.min(101, Math.round(1500 / Math.max(...first)) | 1));
  const times = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) {
      const start = performance.now();
      await variants[v](r);
      times[v].push(performance.now() - start);
    }
  }
  return {
    rounds,
    ms: times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]),
  };
}

/** The step before fusing, as estimateProjectedGradient + applyStep ran it (one direction). */
async function oldStep(theta, saved, z, seed) {
  saved.set(theta);
  let plus;
  let minus;
  try {
    fillDirection(seed, z, { stream: 0 });
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i] + EPS * z[i];
    plus = await noop(theta);
    const twoEps = 2 * EPS;
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i] - twoEps * z[i];
    minus = await noop(theta);
    theta.set(saved);
  } finally {
    theta.set(saved);
  }
  applyStep(theta, { seed, g: (plus - minus) / (2 * EPS) }, { lr: LR }, z);
}

const pool = createDirectionPool();
const load = [os.loadavg()];
const rows = [];
for (const [label, k] of SIZES) {
  const theta = Float32Array.from({ length: k }, (_, i) => Math.sin(i) * 0.01);
  const saved = new Float32Array(k);
  const z = new Float32Array(k);
  const fusedOptimizer = new ZoOptimizer(theta, { lr: LR, eps: EPS });
  const poolOptimizer = new ZoOptimizer(theta, {
    lr: LR,
    eps: EPS,
    directionPool: pool,
    directionPoolThreshold: 0,
  });
  const out = pool.allocate(k);
  const { rounds, ms } = await medians([
    (r) => oldStep(theta, saved, z, BigInt(r)),
    (r) => fusedOptimizer.step(noop, BigInt(r)),
    (r) => poolOptimizer.step(noop, BigInt(r)),
    (r) => fillDirection(BigInt(r), out),
    (r) => pool.fill(BigInt(r), out),
  ]);
  const [old, fused, pooled, single, parallel] = ms;
  rows.push({ label, k, rounds, old, fused, pooled, single, parallel });
}
const crossover = [];
for (const k of CROSSOVER_SIZES) {
  const out = pool.allocate(k);
  const { ms } = await medians([
    (r) => fillDirection(BigInt(r), out),
    (r) => pool.fill(BigInt(r), out),
  ]);
  crossover.push({ k, single: ms[0], parallel: ms[1] });
}
load.push(os.loadavg());
await pool.close();

const ms = (v) => v.toFixed(v < 10 ? 2 : 1);
const draws = (k, v) => (k / v / 1000).toFixed(1);
console.log(
  `Node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model}), pool of ${pool.threads} threads; medians of ${rows.map((r) => r.rounds).join(' / ')} interleaved runs`,
);
console.log(
  `load average (1/5/15 min) before: ${load[0].map((v) => v.toFixed(2)).join(' / ')}, after: ${load[1].map((v) => v.toFixed(2)).join(' / ')}`,
);
console.log('');
console.log(
  '| k | old step ms | fused step ms | fused + pool ms | direction, 1 thread: ms (M draws/s) | direction, pool: ms (M draws/s) |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${ms(r.old)} | ${ms(r.fused)} (${(r.old / r.fused).toFixed(2)}×) | ${ms(r.pooled)} (${(r.old / r.pooled).toFixed(2)}×) | ${ms(r.single)} (${draws(r.k, r.single)}) | ${ms(r.parallel)} (${draws(r.k, r.parallel)}) |`,
  );
}
console.log('');
console.log('Pool crossover (one direction): | k | 1 thread ms | pool ms |');
for (const r of crossover) console.log(`| ${r.k} | ${ms(r.single)} | ${ms(r.parallel)} |`);
console.log(
  JSON.stringify({
    bench: 'zo-estimator/zo-step',
    threads: pool.threads,
    loadavg: load,
    rows,
    crossover,
  }),
);
