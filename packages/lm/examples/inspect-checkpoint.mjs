// Bring your own Hugging Face checkpoint: prints its config, parameter count, the first tokens
// of a text and (on the slow reference:cpu backend, so only for small models) the model's
// next-token prediction and mean next-token NLL for that text. Works with any Llama / Mistral / Qwen2 directory holding config.json,
// model.safetensors (or model.safetensors.index.json + shards), tokenizer.json.
// Run: npm run build && node examples/inspect-checkpoint.mjs [MODEL_DIR] [TEXT]
// MODEL_DIR defaults to the shared stories260K model (../shared/models/stories260K from the repo root).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@meerkat/tensor';
import { causalLmLoss, LlamaModel, LmError, loadCheckpoint, loadTokenizer } from '../dist/index.js';

const fallback = fileURLToPath(new URL('../../../../shared/models/stories260K', import.meta.url));
const dir = process.argv[2] ?? fallback;
const text = process.argv[3] ?? 'Once upon a time, there was a little robot.';

if (process.argv[2] === undefined && !existsSync(dir)) {
  console.log(
    `No model directory given and ${dir} is absent; pass one: node examples/inspect-checkpoint.mjs DIR`,
  );
  process.exit(0);
}

try {
  const ckpt = loadCheckpoint(dir);
  const c = ckpt.config;
  console.log(`model      ${dir}`);
  console.log(`arch       ${c.architecture} (model_type ${c.modelType})`);
  console.log(
    `shape      hidden ${c.hiddenSize}, ${c.numHiddenLayers} layers, ${c.numAttentionHeads} heads / ${c.numKeyValueHeads} kv heads × ${c.headDim}, MLP ${c.intermediateSize}, vocab ${c.vocabSize}`,
  );
  console.log(
    `details    rms_norm_eps ${c.rmsNormEps}, rope_theta ${c.ropeTheta}, tied ${c.tieWordEmbeddings}, qkv bias ${c.qkvBias}`,
  );
  const dtypes = new Set([...ckpt.tensors.values()].map((t) => t.dtype));
  console.log(
    `parameters ${ckpt.parameterCount.toLocaleString('en-US')} in ${ckpt.specs.length} tensors (${[...dtypes].join(', ')})`,
  );
  const first = ckpt.specs[1];
  const values = ckpt.tensors.get(first.name).data();
  console.log(
    `tensor     ${first.name} [${first.shape.join(', ')}] starts ${[...values.slice(0, 4)].map((v) => v.toFixed(4)).join(', ')}`,
  );

  if (existsSync(`${dir}/tokenizer.json`)) {
    const tok = loadTokenizer(dir);
    const ids = tok.encode(text);
    console.log(`text       ${JSON.stringify(text)}`);
    console.log(
      `ids        [${ids.slice(0, 16).join(', ')}${ids.length > 16 ? ', …' : ''}] (${ids.length} tokens)`,
    );
    console.log(`tokens     ${tok.tokens(ids.slice(0, 16)).join(' | ')}`);
    console.log(`decoded    ${JSON.stringify(tok.decode(ids, { skipSpecialTokens: true }))}`);
    if (ckpt.parameterCount <= 50_000_000) {
      const backend = await createBackend('reference:cpu');
      const model = LlamaModel.fromCheckpoint(ckpt, backend);
      const x = Uint32Array.from(ids);
      const logits = model.forward(x, [1, x.length], { logits: 'last' });
      const row = await backend.download(logits);
      logits.dispose();
      const order = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 3);
      console.log(
        `next       ${order.map((id) => `${JSON.stringify(tok.tokens([id])[0])} (${row[id].toFixed(2)})`).join(', ')} [reference:cpu, top-3 logits]`,
      );
      if (x.length > 1) {
        const loss = await causalLmLoss(model, x, [1, x.length]);
        console.log(`mean NLL   ${loss.mean.toFixed(4)} nats over ${loss.targetCount} next tokens`);
      }
      model.dispose();
    } else {
      console.log(
        'next       (skipped: the reference:cpu backend is too slow for models over 50M parameters)',
      );
    }
  } else {
    console.log('tokenizer  (no tokenizer.json in this directory)');
  }
} catch (e) {
  if (e instanceof LmError) {
    console.error(`${e.code}: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
