// Bring your own Hugging Face checkpoint: prints its config, parameter count and the first tokens
// of a text. Works with any Llama / Mistral / Qwen2 directory holding config.json,
// model.safetensors (or model.safetensors.index.json + shards), tokenizer.json.
// Run: npm run build && node examples/inspect-checkpoint.mjs [MODEL_DIR] [TEXT]
// MODEL_DIR defaults to the shared stories260K model (../shared/models/stories260K from the repo root).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LmError, loadCheckpoint, loadTokenizer } from '../dist/index.js';

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
