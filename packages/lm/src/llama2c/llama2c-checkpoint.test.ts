import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLmError } from '../../test/expect-lm-error.js';
import {
  LLAMA2C_HEADER_BYTES,
  type Llama2cHeader,
  llama2cLayout,
  openLlama2cCheckpoint,
  parseLlama2cHeader,
  ropeSourceRow,
} from './llama2c-checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-llama2c-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A legacy llama2.c file whose i-th float (after the header) is i. */
function writeTiny(name: string, fields: number[], floats?: number): string {
  const header = new Int32Array(fields);
  const h = parseLlama2cHeader(new Uint8Array(header.buffer), 'tiny');
  const count = floats ?? (llama2cLayout(h).fileBytes - LLAMA2C_HEADER_BYTES) / 4;
  const values = Float32Array.from({ length: count }, (_, i) => i);
  const path = join(scratch, name);
  writeFileSync(path, Buffer.concat([Buffer.from(header.buffer), Buffer.from(values.buffer)]));
  return path;
}

/** transformers' permute: w.view(heads, rows/heads/2, 2, cols).transpose(1, 2).reshape(rows, cols). */
function hfPermute(w: Float32Array, heads: number, rows: number, cols: number): Float32Array {
  const half = rows / heads / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < cols; c++) {
          const source = ((h * half + i) * 2 + j) * cols + c;
          const target = ((h * 2 + j) * half + i) * cols + c;
          out[target] = w[source]!;
        }
  return out;
}

describe('legacy llama2.c checkpoints', () => {
  // dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab 5 (negative: own classifier), seq 4.
  const fields = [8, 12, 2, 2, 1, -5, 4];

  it('maps every tensor to its HF name in canonical order, with q/k rows in rotate-half order', () => {
    const ckpt = openLlama2cCheckpoint(writeTiny('tiny.bin', fields));
    try {
      const h: Llama2cHeader = ckpt.header;
      expect(h).toEqual({
        dim: 8,
        hiddenDim: 12,
        nLayers: 2,
        nHeads: 2,
        nKvHeads: 1,
        vocabSize: 5,
        seqLen: 4,
        sharedClassifier: false,
      });
      expect(ckpt.config.tieWordEmbeddings).toBe(false);
      expect(ckpt.config.headDim).toBe(4);
      const names = ckpt.tensors.map((t) => t.name);
      expect(names[0]).toBe('model.embed_tokens.weight');
      expect(names.slice(1, 11)).toEqual([
        'model.layers.0.input_layernorm.weight',
        'model.layers.0.self_attn.q_proj.weight',
        'model.layers.0.self_attn.k_proj.weight',
        'model.layers.0.self_attn.v_proj.weight',
        'model.layers.0.self_attn.o_proj.weight',
        'model.layers.0.post_attention_layernorm.weight',
        'model.layers.0.mlp.gate_proj.weight',
        'model.layers.0.mlp.up_proj.weight',
        'model.layers.0.mlp.down_proj.weight',
        'model.layers.1.input_layernorm.weight',
      ]);
      expect(names.slice(-2)).toEqual(['model.norm.weight', 'lm_head.weight']);
      const read = (name: string) => {
        const t = ckpt.tensors.find((x) => x.name === name)!;
        const out = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
        if (t.data instanceof Float32Array) out.set(t.data);
        else {
          // In odd-sized chunks, so that chunks start mid-row.
          for (let start = 0; start < out.length; start += 5) {
            t.data(start, out.subarray(start, Math.min(out.length, start + 5)));
          }
        }
        return out;
      };
      // File order: emb 40, rms_att 2×8, wq 2×64, wk 2×32, wv 2×32, wo 2×64, rms_ffn 2×8,
      // w1 2×96, w2 2×96, w3 2×96, norm 8, freq 2×8, wcls 40.
      const at = (offset: number, n: number) =>
        Float32Array.from({ length: n }, (_, i) => offset + i);
      expect(read('model.embed_tokens.weight')).toEqual(at(0, 40));
      expect(read('model.layers.1.input_layernorm.weight')).toEqual(at(48, 8));
      expect(read('model.layers.1.self_attn.q_proj.weight')).toEqual(
        hfPermute(at(56 + 64, 64), 2, 8, 8),
      );
      expect(read('model.layers.0.self_attn.k_proj.weight')).toEqual(
        hfPermute(at(184, 32), 1, 4, 8),
      );
      expect(read('model.layers.0.self_attn.v_proj.weight')).toEqual(at(248, 32));
      expect(read('model.layers.0.mlp.gate_proj.weight')).toEqual(at(456, 96));
      expect(read('model.layers.0.mlp.down_proj.weight')).toEqual(at(648, 96));
      expect(read('model.layers.0.mlp.up_proj.weight')).toEqual(at(840, 96));
      expect(read('model.norm.weight')).toEqual(at(1032, 8));
      expect(read('lm_head.weight')).toEqual(at(1056, 40));
    } finally {
      ckpt.close();
    }
  });

  it('a positive vocab_size shares the classifier: no lm_head, tied embeddings', () => {
    const ckpt = openLlama2cCheckpoint(writeTiny('tied.bin', [8, 12, 1, 2, 2, 5, 4]));
    try {
      expect(ckpt.header.sharedClassifier).toBe(true);
      expect(ckpt.config.tieWordEmbeddings).toBe(true);
      expect(ckpt.configJson['tie_word_embeddings']).toBe(true);
      expect(ckpt.tensors.some((t) => t.name === 'lm_head.weight')).toBe(false);
    } finally {
      ckpt.close();
    }
  });

  it('ropeSourceRow takes each head’s even rows first, then its odd rows', () => {
    expect(Array.from({ length: 8 }, (_, r) => ropeSourceRow(r, 4))).toEqual([
      0, 2, 1, 3, 4, 6, 5, 7,
    ]);
  });

  it('rejects truncated files, versioned exports and nonsense headers with LM_LLAMA2C_INVALID', () => {
    const short = writeTiny('short.bin', fields, 100);
    expectLmError(() => openLlama2cCheckpoint(short), 'LM_LLAMA2C_INVALID', 'implies 4412');
    const versioned = join(scratch, 'v1.bin');
    writeFileSync(
      versioned,
      Buffer.from(new Uint32Array([0x616b3432, 1, 8, 12, 2, 2, 1, 5]).buffer),
    );
    expectLmError(() => openLlama2cCheckpoint(versioned), 'LM_LLAMA2C_INVALID', '--version 0');
    const text = new TextEncoder().encode('{"this is": "not a checkpoint at all"}');
    expectLmError(() => parseLlama2cHeader(text, 'x.bin'), 'LM_LLAMA2C_INVALID', 'plausible');
    expectLmError(
      () =>
        parseLlama2cHeader(new Uint8Array(new Int32Array([9, 12, 1, 2, 2, 5, 4]).buffer), 'odd'),
      'LM_LLAMA2C_INVALID',
      'head size',
    );
  });
});
