// Tiled vs naive matmul on every gpu.js mode available here, in the same run: GFLOP/s of each
// kernel and the ratio, at decoder-like shapes ([m, k] × [n, k]ᵀ, HF Linear layout).
// Run: npm run bench:matmul (after building), or node bench/matmul.mjs [modes] [reps]
//   modes: comma list (default: every mode that loads here), e.g. webasm,cpu
import { AUTO_ORDER, createGpujsBackend, loadGpu } from '../dist/index.js';

const requested = process.argv[2]?.split(',');
const REPS = Number(process.argv[3] ?? 3);

/** Shapes per mode: cpu runs kernels as plain JS, so it gets smaller ones. */
const SHAPES = {
  default: [
    [64, 256, 256],
    [256, 256, 688],
    [512, 512, 512],
  ],
  cpu: [
    [64, 256, 256],
    [128, 256, 688],
  ],
};

async function available() {
  const out = [];
  for (const mode of requested ?? AUTO_ORDER) {
    try {
      await loadGpu(mode);
      out.push(mode);
    } catch (error) {
      console.log(`gpujs:${mode}: not measured: ${error.message.split('\n')[0]}`);
    }
  }
  return out;
}

function random(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

async function timeOne(backend, m, k, n) {
  const a = backend.upload(random(m * k, 1), [m, k]);
  const b = backend.upload(random(n * k, 2), [n, k]);
  // first call compiles the kernel; not timed
  await backend.download(backend.matmul(a, b, { transposeB: true }));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    const c = backend.matmul(a, b, { transposeB: true });
    await backend.download(c); // include the readback so device modes cannot defer work
    best = Math.min(best, performance.now() - t);
    c.dispose();
  }
  a.dispose();
  b.dispose();
  return best;
}

const rows = [];
for (const mode of await available()) {
  const tiled = await createGpujsBackend({ mode });
  const naive = await createGpujsBackend({ mode, matmul: 'naive' });
  for (const [m, k, n] of SHAPES[mode] ?? SHAPES.default) {
    const flops = 2 * m * k * n;
    const tNaive = await timeOne(naive, m, k, n);
    const tTiled = await timeOne(tiled, m, k, n);
    const row = {
      mode,
      shape: `${m}x${k} · ${n}x${k}ᵀ`,
      naiveGflops: flops / tNaive / 1e6,
      tiledGflops: flops / tTiled / 1e6,
      ratio: tNaive / tTiled,
    };
    rows.push(row);
    console.log(
      `gpujs:${mode} ${row.shape}: naive ${row.naiveGflops.toFixed(2)} GFLOP/s, tiled ${row.tiledGflops.toFixed(2)} GFLOP/s, tiled/naive ${row.ratio.toFixed(2)}×`,
    );
  }
}
console.log(JSON.stringify(rows));
