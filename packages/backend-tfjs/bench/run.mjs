// Decoder forward speed on the TensorFlow.js engines: tokens/s and achieved GFLOP/s of
// @meerkat/lm's LlamaModel on random checkpoints, against the same engine's own matmul GFLOP/s
// measured in the same run, and where the forward's time goes (per Backend op and tfjs kernel).
//
// Noise: on a shared machine, wall time includes waiting for a core. Every measurement is
// therefore also taken in this process's CPU time (process.cpuUsage; the wasm and cpu engines
// compute on the main thread), and the ratio is given both ways. The matmul reference is
// re-measured between presets and its best is used, so a noisy moment cannot inflate a ratio.
//
// Run (after building tensor, lm and this package):
//   npx turbo run bench --filter=@meerkat/backend-tfjs
//   node bench/run.mjs [batch=8] [seq=128] [presets=stories260K,m10,m30] [engines=wasm]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaModel, parameterCount, presetConfig, writeRandomCheckpoint } from '@meerkat/lm';
import { createTfjsBackend, loadEngine } from '../dist/index.js';
import { formatBreakdown, timeBackendOps, timeKernels } from './where-time-goes.mjs';

const BATCH = Number(process.argv[2] ?? 8);
const SEQ = Number(process.argv[3] ?? 128);
const PRESETS = (process.argv[4] ?? 'stories260K,m10,m30').split(',');
const ENGINES = (process.argv[5] ?? 'wasm').split(',');

/** Best (smallest) wall and CPU milliseconds of `n` runs of `fn` (async allowed). */
async function best(n, fn) {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(c);
    wall = Math.min(wall, performance.now() - t);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

const gflops = (flop, ms) => flop / (ms / 1000) / 1e9;

/**
 * The engine's own matmul throughput at a decoder-like shape [B·S, h] × [h, 4h]: tf.matMul on
 * tfjs tensors with a constant right operand (XNNPACK packs it once and caches it), the best
 * the engine can do; and the backend's a × bᵀ (a Linear layer on an [out, in] weight).
 */
async function engineMatmul(tf, backend) {
  const m = BATCH * SEQ;
  const k = 512;
  const n = 2048;
  const flop = 2 * m * k * n;
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dispose();
  const plain = await best(5, () => tf.matMul(a, b).dispose());
  tf.dispose([a, b]);
  const x = backend.upload(new Float32Array(m * k).fill(0.01), [m, k]);
  const w = backend.upload(new Float32Array(n * k).fill(0.01), [n, k]);
  backend.matmul(x, w, { transposeB: true }).dispose();
  const linear = await best(5, () => backend.matmul(x, w, { transposeB: true }).dispose());
  backend.dispose([x, w]);
  return {
    shape: `[${m}x${k}]x[${k}x${n}]`,
    gflops: gflops(flop, plain.wall),
    cpuGflops: gflops(flop, plain.cpu),
    linearGflops: gflops(flop, linear.wall),
  };
}

const pct = (x) => `${(100 * x).toFixed(0)}%`;

const results = [];
for (const engine of ENGINES) {
  const { tf } = await loadEngine(engine);
  const backend = await createTfjsBackend(engine);
  const reference = { gflops: 0, cpuGflops: 0, linearGflops: 0 };
  const measureMatmul = async () => {
    const m = await engineMatmul(tf, backend);
    for (const key of Object.keys(reference)) reference[key] = Math.max(reference[key], m[key]);
    console.log(
      `tfjs:${engine} engine matmul ${m.shape}: ${m.gflops.toFixed(1)} GFLOP/s wall, ${m.cpuGflops.toFixed(1)} per CPU second (tf.matMul, constant B); backend a×bᵀ (Linear): ${m.linearGflops.toFixed(1)} GFLOP/s`,
    );
  };
  await measureMatmul();
  const engineResults = [];
  for (const preset of PRESETS) {
    const config = presetConfig(preset);
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-bench-'));
    writeRandomCheckpoint(dir, config, { seed: 1 });
    const model = LlamaModel.load(dir, backend);
    rmSync(dir, { recursive: true, force: true });
    const ids = new Uint32Array(BATCH * SEQ).map((_, i) => (i * 7919) % config.vocabSize);
    const forward = async () => {
      const logits = model.forward(ids, [BATCH, SEQ], { logits: 'all' });
      await backend.download(logits);
      logits.dispose();
    };
    await forward(); // warm-up (and XNNPACK packs the constant weights)
    const time = await best(3, forward);
    const params = parameterCount(config);
    const flop = 2 * params * BATCH * SEQ;
    const ops = await timeBackendOps(backend, forward);
    const kernels = await timeKernels(tf, forward);
    const matmulOp = ops.ops.find((o) => o.op === 'matmul') ?? { ms: 0, cpuMs: 0 };
    engineResults.push({
      engine,
      preset,
      params,
      batch: BATCH,
      seq: SEQ,
      ms: time.wall,
      cpuMs: time.cpu,
      tokensPerS: (BATCH * SEQ) / (time.wall / 1000),
      gflops: gflops(flop, time.wall),
      cpuGflops: gflops(flop, time.cpu),
      matmulShare: matmulOp.cpuMs / ops.cpuMs,
      ops: ops.ops,
      kernels: kernels.byName,
    });
    console.log(
      `tfjs:${engine} ${preset} (${(params / 1e6).toFixed(2)}M params) ${BATCH}x${SEQ}: ${time.wall.toFixed(0)} ms (${time.cpu.toFixed(0)} ms CPU), ${((BATCH * SEQ) / (time.wall / 1000)).toFixed(0)} tokens/s, ${gflops(flop, time.wall).toFixed(2)} GFLOP/s`,
    );
    console.log(
      `  per Backend op (one timed forward, ${ops.ms.toFixed(0)} ms, ${ops.cpuMs.toFixed(0)} ms CPU; Linear/LM-head matmuls ${pct(matmulOp.cpuMs / ops.cpuMs)} of the CPU time, at ${gflops(flop, matmulOp.cpuMs).toFixed(1)} GFLOP per CPU second):`,
    );
    for (const line of formatBreakdown(ops.ops, 'op', ops.ms, ops.ops.length, ops.cpuMs)) {
      console.log(line);
    }
    console.log(`  per tfjs kernel (tf.profile, kernel sum ${kernels.ms.toFixed(0)} ms):`);
    for (const line of formatBreakdown(kernels.byName, 'kernel', kernels.ms, 12)) console.log(line);
    console.log('  largest kernel × shape groups:');
    for (const line of formatBreakdown(kernels.byShape, 'kernel', kernels.ms, 12)) {
      console.log(line);
    }
    model.dispose();
    await measureMatmul();
  }
  console.log(
    `tfjs:${engine} summary at ${BATCH}x${SEQ}, against the best engine matmul of this run (${reference.gflops.toFixed(1)} GFLOP/s wall, ${reference.cpuGflops.toFixed(1)} per CPU second; backend a×bᵀ ${reference.linearGflops.toFixed(1)}):`,
  );
  console.log(
    '    preset        params  wall ms  CPU ms  tokens/s  GFLOP/s  % of matmul (wall)  (CPU time)',
  );
  for (const r of engineResults) {
    r.matmulGflops = reference.gflops;
    r.matmulCpuGflops = reference.cpuGflops;
    r.linearGflops = reference.linearGflops;
    r.ratio = r.gflops / reference.gflops;
    r.cpuRatio = r.cpuGflops / reference.cpuGflops;
    console.log(
      `    ${r.preset.padEnd(12)} ${(r.params / 1e6).toFixed(2).padStart(6)}M ${r.ms.toFixed(0).padStart(8)} ${r.cpuMs.toFixed(0).padStart(7)} ${r.tokensPerS.toFixed(0).padStart(9)} ${r.gflops.toFixed(2).padStart(8)} ${pct(r.ratio).padStart(19)} ${pct(r.cpuRatio).padStart(11)}`,
    );
    results.push(r);
  }
}
console.log(JSON.stringify({ bench: 'backend-tfjs/forward', results }));
