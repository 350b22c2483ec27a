// Forward tokens/s of @meerkat/lm's LlamaModel on each gpu.js mode available here and on
// tfjs:wasm, in the same run: stories260K (the real shared model when present, else its shape)
// and m10 (a random ~7.9M-parameter checkpoint written by writeRandomCheckpoint).
// Run after building: npm run bench:forward -- [batch] [seq] [presets] [backends]
//   defaults: 4 64 stories260K,m10 gpujs:webasm,gpujs:cpu,tfjs:wasm (+ any GPU mode that loads)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlamaModel, parameterCount, presetConfig, writeRandomCheckpoint } from '@meerkat/lm';
import { createBackend } from '@meerkat/tensor';
import { loadGpu, registerGpujsBackends } from '../dist/index.js';

const BATCH = Number(process.argv[2] ?? 4);
const SEQ = Number(process.argv[3] ?? 64);
const PRESETS = (process.argv[4] ?? 'stories260K,m10').split(',');
let names = process.argv[5]?.split(',');
const STORIES = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));

registerGpujsBackends();
if (names === undefined) {
  names = [];
  for (const mode of ['webgpu', 'webgl2', 'webgl', 'headlessgl']) {
    try {
      await loadGpu(mode);
      names.push(`gpujs:${mode}`);
    } catch (error) {
      console.log(`gpujs:${mode}: not measured: ${error.message.split('.')[0]}`);
    }
  }
  names.push('gpujs:webasm', 'gpujs:cpu', 'tfjs:wasm');
}

const rows = [];
for (const preset of PRESETS) {
  const config = presetConfig(preset);
  let dir = preset === 'stories260K' && existsSync(STORIES) ? STORIES : undefined;
  const temporary = dir === undefined;
  if (temporary) {
    dir = mkdtempSync(join(tmpdir(), 'meerkat-gpujs-bench-'));
    writeRandomCheckpoint(dir, config, { seed: 1 });
  }
  const params = parameterCount(config);
  const ids = new Uint32Array(BATCH * SEQ).map((_, i) => (i * 7919 + 1) % config.vocabSize);
  for (const name of names) {
    let backend;
    try {
      backend = await createBackend(name); // tfjs:wasm comes from @meerkat/backend-tfjs by convention
    } catch (error) {
      console.log(`${name}: not measured: ${error.message.split('\n')[0]}`);
      continue;
    }
    const model = LlamaModel.load(dir, backend);
    const run = async () => {
      const t = performance.now();
      const logits = model.forward(ids, [BATCH, SEQ], { logits: 'all' });
      await backend.download(logits);
      logits.dispose();
      return performance.now() - t;
    };
    const first = await run(); // compiles kernels (gpu.js) / warms up
    const ms = await run();
    model.dispose();
    const tokensPerS = (BATCH * SEQ) / (ms / 1000);
    const row = {
      backend: name,
      preset,
      params,
      batch: BATCH,
      seq: SEQ,
      firstMs: first,
      ms,
      tokensPerS,
    };
    rows.push(row);
    console.log(
      `${name} ${preset} (${(params / 1e6).toFixed(2)}M params) ${BATCH}x${SEQ}: ${ms.toFixed(0)} ms (first call ${first.toFixed(0)} ms), ${tokensPerS.toFixed(0)} tokens/s`,
    );
  }
  if (temporary) rmSync(dir, { recursive: true, force: true });
}
for (const preset of PRESETS) {
  const tf = rows.find((r) => r.preset === preset && r.backend === 'tfjs:wasm');
  if (tf === undefined) continue;
  for (const r of rows.filter((x) => x.preset === preset && x.backend !== 'tfjs:wasm')) {
    console.log(
      `${preset}: ${r.backend} at ${(r.tokensPerS / tf.tokensPerS).toFixed(3)}× tfjs:wasm`,
    );
  }
}
console.log(JSON.stringify(rows));
