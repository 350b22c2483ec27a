// The files of a tiny but complete Hugging Face Llama model directory, made in memory: random
// weights and a Llama-2-style tokenizer (byte fallback and a few pieces), for tests that move
// model files around (downloads, caches) without needing a real model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.js';
import type { SentencePieceVocab } from '../llama2c/llama2c-tokenizer.js';
import {
  llamaTokenizerConfigJson,
  sentencePieceTokenizerJson,
} from '../llama2c/sentencepiece-tokenizer-json.js';
import { writeRandomCheckpoint } from '../random-checkpoint.js';

const WORDS = ['▁the', '▁a', '▁cat', '▁sat', 'at', 'he', '▁t', '▁s', '▁c'];

/** A tiny SentencePiece vocabulary: `<unk>`, `<s>`, `</s>`, 256 byte pieces, a few words. */
export function tinyVocab(): SentencePieceVocab {
  const bytes = Array.from(
    { length: 256 },
    (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
  );
  const pieces = ['<unk>', '<s>', '</s>', ...bytes, ...WORDS, '▁', 't', 'h', 'e', 'a', 'c', 's'];
  const scores = Float32Array.from(pieces, (_, i) => (i < 259 ? 0 : -(i - 259)));
  return { pieces, scores, unkId: 0, bosId: 1, eosId: 2, byteFallbackStart: 3, maxPieceBytes: 6 };
}

/** config.json, model.safetensors, tokenizer.json and tokenizer_config.json of a tiny model. */
export function tinyModelFiles(seed = 1): Record<string, Buffer> {
  const vocab = tinyVocab();
  const config = parseConfig({
    model_type: 'llama',
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: vocab.pieces.length,
    tie_word_embeddings: true,
  });
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-tiny-model-'));
  try {
    writeRandomCheckpoint(dir, config, { seed });
    return {
      'config.json': readFileSync(join(dir, 'config.json')),
      'model.safetensors': readFileSync(join(dir, 'model.safetensors')),
      'tokenizer.json': Buffer.from(JSON.stringify(sentencePieceTokenizerJson(vocab))),
      'tokenizer_config.json': Buffer.from(JSON.stringify(llamaTokenizerConfigJson(vocab, 64))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
