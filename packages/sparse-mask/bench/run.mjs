// Benchmark of @meerkat/sparse-mask (run after `npm run build`): top-k selection at d = 1e8,
// k = 1e5 against a linear-pass floor and a full-sort baseline, plus encode/decode figures.
import { performance } from 'node:perf_hooks';
import { decodeMask, encodeMask, selectTopK } from '../dist/index.js';

const D = Number(process.env.BENCH_D ?? 1e8);
const K = Number(process.env.BENCH_K ?? 1e5);
const SORT_D = Number(process.env.BENCH_SORT_D ?? 1e7);
const REPS = Number(process.env.BENCH_REPS ?? 3);

/** Fast seeded fill (xorshift32) outside the timings: Fisher-like skewed scores u^4 in [0, 1). */
function fillScores(out, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u = (x >>> 8) * 2 ** -24;
    const u2 = u * u;
    out[i] = u2 * u2;
  }
  return out;
}

function best(reps, fn) {
  let bestMs = Number.POSITIVE_INFINITY;
  let result;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    result = fn();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  return { ms: bestMs, result };
}

function maxPass(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

const scores = fillScores(new Float32Array(D), 0x9e3779b9);
const floor = best(REPS, () => maxPass(scores));
const select = best(REPS, () => selectTopK(scores, K));
const indices = select.result;
// Sanity: the k-th largest selected value bounds every unselected one (spot check by sampling).
let minSelected = Number.POSITIVE_INFINITY;
for (let j = 0; j < indices.length; j++) minSelected = Math.min(minSelected, scores[indices[j]]);
let countAbove = 0;
for (let i = 0; i < D; i++) if (scores[i] > minSelected) countAbove++;
if (countAbove >= K || indices.length !== K) throw new Error('selection failed its sanity check');

const small = scores.slice(0, SORT_D);
const sortRun = best(Math.min(REPS, 2), () => small.slice().sort());
const smallSelect = best(REPS, () => selectTopK(small, Math.max(1, Math.round((K * SORT_D) / D))));

const gradMean = new Float32Array(K);
for (let j = 0; j < K; j++) gradMean[j] = scores[indices[j]] - 0.5;
const mask = {
  fingerprint: '0123456789abcdef',
  d: D,
  indices,
  gradMean,
  scores: new Float32Array(K),
};
for (let j = 0; j < K; j++) mask.scores[j] = scores[indices[j]];
const indexOnly = { fingerprint: mask.fingerprint, d: D, indices };
const enc = best(REPS * 3, () => encodeMask(indexOnly));
const dec = best(REPS * 3, () => decodeMask(enc.result));
const encFull = best(REPS * 3, () => encodeMask(mask));
const decFull = best(REPS * 3, () => decodeMask(encFull.result));
const varintBytes = enc.result.length - 40;

const rows = [
  ['linear max pass (floor), d', D, floor.ms],
  ['selectTopK, d / k', `${D} / ${K}`, select.ms],
  ['Float32Array sort of a copy, d', SORT_D, sortRun.ms],
  ['selectTopK at the sort size, d', SORT_D, smallSelect.ms],
  ['encodeMask (indices only)', `${enc.result.length} B`, enc.ms],
  ['decodeMask (indices only)', `${enc.result.length} B`, dec.ms],
  ['encodeMask (+gradMean +scores)', `${encFull.result.length} B`, encFull.ms],
  ['decodeMask (+gradMean +scores)', `${encFull.result.length} B`, decFull.ms],
];
console.log(`@meerkat/sparse-mask benchmark (best of ${REPS}; node ${process.version})`);
console.log('case'.padEnd(34) + 'size'.padStart(20) + 'ms'.padStart(12));
for (const [name, size, ms] of rows)
  console.log(name.padEnd(34) + String(size).padStart(20) + ms.toFixed(1).padStart(12));
console.log(
  `selection / linear pass: ${(select.ms / floor.ms).toFixed(2)}x; sort of ${SORT_D} / selection of ${D}: ${(sortRun.ms / select.ms).toFixed(2)}x`,
);
console.log(
  `index bytes per index (varint section): ${(varintBytes / K).toFixed(3)}; whole file: ${(enc.result.length / K).toFixed(3)} B/index`,
);
console.log(`decode rate: ${(((K / dec.ms) * 1e3) / 1e6).toFixed(1)} M indices/s`);
console.log(
  JSON.stringify({
    d: D,
    k: K,
    selectMs: +select.ms.toFixed(1),
    linearPassMs: +floor.ms.toFixed(1),
    sortD: SORT_D,
    sortMs: +sortRun.ms.toFixed(1),
    selectAtSortDMs: +smallSelect.ms.toFixed(1),
    encodeMs: +enc.ms.toFixed(2),
    decodeMs: +dec.ms.toFixed(2),
    encodeFullMs: +encFull.ms.toFixed(2),
    decodeFullMs: +decFull.ms.toFixed(2),
    fileBytes: enc.result.length,
    fileBytesFull: encFull.result.length,
    varintBytesPerIndex: +(varintBytes / K).toFixed(3),
    withinTarget: select.ms <= 2000,
  }),
);
