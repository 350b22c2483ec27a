// Bring your own Hugging Face checkpoint. No real weights can be downloaded here, so this makes
// one: a small Llama with seeded random weights, written in the Hugging Face layout
// (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) to a temp directory.
// Then it loads the directory back exactly as it would load a downloaded model, runs it in
// process, runs the `meerkat-lm` CLI on it, and shows what a wrong directory is rejected with.
// Run: npm run build && node examples/bring-your-own-checkpoint.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@meerkat/tensor';
import {
  configToJson,
  LlamaModel,
  LmError,
  loadCheckpoint,
  loadTokenizer,
  parseConfig,
  writeRandomCheckpoint,
} from '../dist/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

// A Llama-2-style tokenizer.json: one token per character (a BPE model with no merges), `▁` for
// spaces, BOS <s> = 1 and EOS </s> = 2 — the layout of real Llama tokenizers, only tiny.
const chars = [...'▁abcdefghijklmnopqrstuvwxyz.,!?'];
const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
for (const c of chars) vocab[c] = Object.keys(vocab).length;
const special = (id, content) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
  normalizer: {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '▁' },
      { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    ],
  },
  pre_tokenizer: null,
  post_processor: null,
  decoder: {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  },
  model: {
    type: 'BPE',
    unk_token: '<unk>',
    fuse_unk: true,
    byte_fallback: false,
    vocab,
    merges: [],
  },
};

const dir = mkdtempSync(join(tmpdir(), 'meerkat-byo-'));
try {
  // 1. The files of a Hugging Face model directory.
  const config = parseConfig({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 64,
    intermediate_size: 160,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: Object.keys(vocab).length,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: true,
    bos_token_id: 1,
    eos_token_id: 2,
  });
  writeRandomCheckpoint(dir, config, { seed: 42 }); // config.json + model.safetensors (F32)
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      add_bos_token: true,
      add_eos_token: false,
      bos_token: '<s>',
      eos_token: '</s>',
    }),
  );
  console.log(
    `wrote ${dir}: config.json, model.safetensors, tokenizer.json, tokenizer_config.json`,
  );

  // 2. Load it back as any downloaded checkpoint.
  const ckpt = loadCheckpoint(dir);
  const tok = loadTokenizer(dir);
  const ids = tok.encode('hello world');
  console.log(
    `loaded    ${ckpt.config.architecture}, ${ckpt.parameterCount.toLocaleString('en-US')} parameters in ${ckpt.specs.length} tensors`,
  );
  console.log(
    `tokens    "hello world" → [${ids.join(', ')}] → ${JSON.stringify(tok.decode(ids, { skipSpecialTokens: true }))}`,
  );
  const backend = await createBackend('reference:cpu');
  const model = LlamaModel.fromCheckpoint(ckpt, backend);
  const logits = model.forward(Uint32Array.from(ids), [1, ids.length], { logits: 'last' });
  const row = await backend.download(logits);
  logits.dispose();
  model.dispose();
  console.log(
    `in process last-position logits[0..3] = ${[...row.slice(0, 3)].map((v) => v.toFixed(5)).join(', ')}`,
  );

  // 3. The same directory through the CLI (what `npx meerkat-lm ...` runs).
  const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const viaCli = cli(
    'logits',
    '--model',
    dir,
    '--text',
    'hello world',
    '--backend',
    'reference:cpu',
    '--json',
  );
  const parsed = JSON.parse(viaCli.stdout);
  const same = parsed.last_logits.every((v, i) => Math.abs(v - row[i]) < 1e-5);
  console.log(
    `meerkat-lm logits --json: ids [${parsed.ids.join(', ')}], ${parsed.last_logits.length} logits, equal to the in-process ones: ${same}`,
  );
  if (!same) process.exitCode = 1;
  const gen = cli(
    'generate',
    '--model',
    dir,
    '--text',
    'hello',
    '--max-new-tokens',
    '8',
    '--backend',
    'reference:cpu',
  );
  console.log(
    `meerkat-lm generate: ${JSON.stringify(gen.stdout.trim())} (random weights, so gibberish)`,
  );

  // 4. What is rejected, and how: a config this package does not run.
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      ...configToJson(config),
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
    }),
  );
  try {
    loadCheckpoint(dir);
  } catch (e) {
    if (!(e instanceof LmError)) throw e;
    console.log(`rejected  ${e.code}: ${e.message.slice(0, 160)}`);
  }
  const bad = cli('logits', '--model', dir, '--text', 'hello', '--backend', 'reference:cpu');
  console.log(`meerkat-lm on it: exit ${bad.status}, ${bad.stderr.trim().slice(0, 120)}…`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
