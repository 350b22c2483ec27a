// Decoder forward speed on the TensorFlow.js engines (issue 3's benchmark, first cut):
// tokens/s and achieved GFLOP/s of @meerkat/lm's LlamaModel, against the same engine's own
// matmul GFLOP/s measured in the same run. Run: npx turbo run bench --filter=@meerkat/backend-tfjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaModel, parameterCount, presetConfig, writeRandomCheckpoint } from '@meerkat/lm';
import { createTfjsBackend } from '../dist/index.js';

const BATCH = Number(process.argv[2] ?? 8);
const SEQ = Number(process.argv[3] ?? 128);
const PRESETS = (process.argv[4] ?? 'stories260K,m10,m30').split(',');
const engines = ['wasm'];

function best(n, fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const results = [];
for (const engine of engines) {
  const backend = await createTfjsBackend(engine);
  // The engine's own matmul throughput, at a decoder-like shape ([B·S, h] × [h, 4h]ᵀ).
  const m = BATCH * SEQ;
  const k = 512;
  const n = 2048;
  const a = backend.upload(new Float32Array(m * k).fill(0.01), [m, k]);
  const b = backend.upload(new Float32Array(n * k).fill(0.01), [n, k]);
  let sink = 0;
  const matmulMs = best(3, () => {
    const c = backend.matmul(a, b, { transposeB: true });
    sink += c.size;
    c.dispose();
  });
  // download once to be sure work is not deferred
  await backend.download(backend.matmul(a, b, { transposeB: true }));
  const matmulGflops = (2 * m * k * n) / (matmulMs / 1000) / 1e9;
  a.dispose();
  b.dispose();
  console.log(
    `tfjs:${engine} matmul [${m}x${k}]x[${n}x${k}]^T: ${matmulGflops.toFixed(1)} GFLOP/s`,
  );
  for (const preset of PRESETS) {
    const config = presetConfig(preset);
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-bench-'));
    writeRandomCheckpoint(dir, config, { seed: 1 });
    const model = LlamaModel.load(dir, backend);
    const ids = new Uint32Array(BATCH * SEQ).map((_, i) => (i * 7919) % config.vocabSize);
    const run = async () => {
      const t = performance.now();
      const logits = model.forward(ids, [BATCH, SEQ], { logits: 'all' });
      await backend.download(logits);
      logits.dispose();
      return performance.now() - t;
    };
    await run(); // warm-up
    let ms = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) ms = Math.min(ms, await run());
    const params = parameterCount(config);
    const tokensPerS = (BATCH * SEQ) / (ms / 1000);
    const gflops = (2 * params * BATCH * SEQ) / (ms / 1000) / 1e9;
    results.push({
      engine,
      preset,
      params,
      batch: BATCH,
      seq: SEQ,
      ms,
      tokensPerS,
      gflops,
      matmulGflops,
    });
    console.log(
      `tfjs:${engine} ${preset} (${(params / 1e6).toFixed(2)}M params) ${BATCH}x${SEQ}: ${ms.toFixed(0)} ms, ${tokensPerS.toFixed(0)} tokens/s, ${gflops.toFixed(2)} GFLOP/s = ${((100 * gflops) / matmulGflops).toFixed(0)}% of the engine's matmul`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  void sink;
}
console.log(JSON.stringify({ bench: 'backend-tfjs/forward', results }));
