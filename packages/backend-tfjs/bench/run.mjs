// Decoder forward speed on the TensorFlow.js engines: tokens/s and achieved GFLOP/s of
// @meerkat/lm's LlamaModel on random checkpoints, against the same engine's own matmul GFLOP/s
// measured in the same run (the ratio is more robust to a noisy machine than either number),
// and where the forward's time goes (per Backend op and per tfjs kernel).
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

function best(n, fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * The engine's own matmul throughput at a decoder-like shape [B·S, h] × [h, 4h]: tf.matMul on
 * tfjs tensors with a constant right operand (XNNPACK packs it once and caches it), the best
 * the engine can do; and the backend's a × bᵀ (a Linear layer on an [out, in] weight).
 */
function engineMatmul(tf, backend) {
  const m = BATCH * SEQ;
  const k = 512;
  const n = 2048;
  const flop = 2 * m * k * n;
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dispose();
  const plainMs = best(5, () => tf.matMul(a, b).dispose());
  tf.dispose([a, b]);
  const x = backend.upload(new Float32Array(m * k).fill(0.01), [m, k]);
  const w = backend.upload(new Float32Array(n * k).fill(0.01), [n, k]);
  backend.matmul(x, w, { transposeB: true }).dispose();
  const linearMs = best(5, () => backend.matmul(x, w, { transposeB: true }).dispose());
  backend.dispose([x, w]);
  return {
    shape: `[${m}x${k}]x[${k}x${n}]`,
    gflops: flop / (plainMs / 1000) / 1e9,
    linearGflops: flop / (linearMs / 1000) / 1e9,
  };
}

const results = [];
for (const engine of ENGINES) {
  const { tf } = await loadEngine(engine);
  const backend = await createTfjsBackend(engine);
  const matmul = engineMatmul(tf, backend);
  console.log(
    `tfjs:${engine} engine matmul ${matmul.shape}: ${matmul.gflops.toFixed(1)} GFLOP/s (tf.matMul, constant B); backend a×bᵀ (Linear): ${matmul.linearGflops.toFixed(1)} GFLOP/s`,
  );
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
    const timed = async () => {
      const t = performance.now();
      await forward();
      return performance.now() - t;
    };
    await forward(); // warm-up
    let ms = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) ms = Math.min(ms, await timed());
    const params = parameterCount(config);
    const flop = 2 * params * BATCH * SEQ;
    const tokensPerS = (BATCH * SEQ) / (ms / 1000);
    const gflops = flop / (ms / 1000) / 1e9;
    const ops = await timeBackendOps(backend, forward);
    const kernels = await timeKernels(tf, forward);
    const matmulMs = ops.ops.find((o) => o.op === 'matmul')?.ms ?? 0;
    results.push({
      engine,
      preset,
      params,
      batch: BATCH,
      seq: SEQ,
      ms,
      tokensPerS,
      gflops,
      matmulGflops: matmul.gflops,
      linearGflops: matmul.linearGflops,
      ratio: gflops / matmul.gflops,
      ops: ops.ops,
      kernels: kernels.byName,
    });
    console.log(
      `tfjs:${engine} ${preset} (${(params / 1e6).toFixed(2)}M params) ${BATCH}x${SEQ}: ${ms.toFixed(0)} ms, ${tokensPerS.toFixed(0)} tokens/s, ${gflops.toFixed(2)} GFLOP/s = ${((100 * gflops) / matmul.gflops).toFixed(0)}% of the engine's matmul`,
    );
    console.log(
      `  per Backend op (one timed forward, ${ops.ms.toFixed(0)} ms; Linear/LM-head matmuls ${matmulMs.toFixed(0)} ms = ${((100 * matmulMs) / ops.ms).toFixed(0)}%, running at ${(flop / (matmulMs / 1000) / 1e9).toFixed(1)} GFLOP/s):`,
    );
    for (const line of formatBreakdown(ops.ops, 'op', ops.ms)) console.log(line);
    console.log(`  per tfjs kernel (tf.profile, kernel sum ${kernels.ms.toFixed(0)} ms):`);
    for (const line of formatBreakdown(kernels.byName, 'kernel', kernels.ms, 12)) console.log(line);
    console.log('  largest kernel × shape groups:');
    for (const line of formatBreakdown(kernels.byShape, 'kernel', kernels.ms, 12)) {
      console.log(line);
    }
    model.dispose();
  }
}
console.log(JSON.stringify({ bench: 'backend-tfjs/forward', results }));
