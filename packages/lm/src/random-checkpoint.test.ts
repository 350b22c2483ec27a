import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayout } from '@meerkat/sparse-mask';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.js';
import { parseConfig } from './config.js';
import { LmError } from './errors.js';
import { parameterCount, parameterSpecs } from './layout.js';
import { PRESET_NAMES, presetConfig } from './presets.js';
import { writeRandomCheckpoint } from './random-checkpoint.js';

const tmp = mkdtempSync(join(tmpdir(), 'meerkat-lm-rand-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const small = parseConfig({
  model_type: 'qwen2',
  hidden_size: 32,
  intermediate_size: 40,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 50,
  tie_word_embeddings: false,
});

describe('writeRandomCheckpoint', () => {
  it('is byte-identical for the same seed, whatever the chunk size, and differs by seed', () => {
    const a = writeRandomCheckpoint(join(tmp, 'a'), small, { seed: 42 });
    const b = writeRandomCheckpoint(join(tmp, 'b'), small, { seed: 42, chunkElements: 13 });
    const c = writeRandomCheckpoint(join(tmp, 'c'), small, { seed: 43 });
    const bytes = (p: string) => readFileSync(p);
    expect(bytes(a.weightsPath).equals(bytes(b.weightsPath))).toBe(true);
    expect(bytes(a.configPath).equals(bytes(b.configPath))).toBe(true);
    expect(bytes(a.weightsPath).equals(bytes(c.weightsPath))).toBe(false);
  });

  it('reloads with the same config and layout: matrices ~N(0, 0.02), norms 1, biases 0', () => {
    const written = writeRandomCheckpoint(join(tmp, 'r'), small, { seed: 5 });
    const ckpt = loadCheckpoint(join(tmp, 'r'));
    expect(ckpt.config).toEqual(small);
    expect(ckpt.specs).toEqual(parameterSpecs(small));
    expect(ckpt.parameterCount).toBe(written.parameterCount);
    expect(createLayout(ckpt.specs).size).toBe(parameterCount(small));
    expect([...ckpt.tensors.keys()]).toEqual(parameterSpecs(small).map((s) => s.name));
    expect(
      ckpt.tensors
        .get('model.norm.weight')!
        .data()
        .every((x) => x === 1),
    ).toBe(true);
    expect(
      ckpt.tensors
        .get('model.layers.1.self_attn.k_proj.bias')!
        .data()
        .every((x) => x === 0),
    ).toBe(true);
    const emb = ckpt.tensors.get('model.embed_tokens.weight')!.data();
    const std = Math.sqrt(emb.reduce((s, x) => s + x * x, 0) / emb.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    const head = ckpt.tensors.get('lm_head.weight')!.data();
    expect(head).not.toEqual(emb);
  });

  it('rejects a bad seed', () => {
    expect(() => writeRandomCheckpoint(join(tmp, 'x'), small, { seed: -1 })).toThrowError(LmError);
    expect(() => writeRandomCheckpoint(join(tmp, 'x'), small, { seed: 1.5 })).toThrowError(/seed/);
  });
});

describe('presets', () => {
  it('have the known parameter counts', () => {
    const counts = Object.fromEntries(
      PRESET_NAMES.map((n) => [n, parameterCount(presetConfig(n))]),
    );
    expect(counts['stories260K']).toBe(260_032);
    // SmolLM-135M is published as ≈134.5M parameters; Qwen2-0.5B as ≈494M (0.49B).
    expect(Math.abs(counts['smollm-135m']! / 134.5e6 - 1)).toBeLessThan(0.01);
    expect(counts['smollm-135m']).toBe(134_515_008);
    expect(Math.abs(counts['qwen2-0.5b']! / 494e6 - 1)).toBeLessThan(0.01);
    expect(counts['qwen2-0.5b']).toBe(494_032_768);
    // peer_torch.py reports m30 at 31.6M parameters.
    expect(Math.abs(counts['m30']! / 31.6e6 - 1)).toBeLessThan(0.01);
    // m10 is peer_torch.py's label; its shape has 7.90M parameters (hand count below).
    expect(counts['m10']).toBe(
      8192 * 256 + 8 * (2 * 256 + 2 * 256 * 256 + 2 * 128 * 256 + 3 * 688 * 256) + 256,
    );
    for (const n of PRESET_NAMES)
      expect(createLayout(parameterSpecs(presetConfig(n))).size).toBe(counts[n]);
  });

  it('carry the family specifics', () => {
    expect(presetConfig('qwen2-0.5b')).toMatchObject({
      qkvBias: true,
      headDim: 64,
      numKeyValueHeads: 2,
      tieWordEmbeddings: true,
    });
    expect(presetConfig('smollm-135m')).toMatchObject({
      headDim: 64,
      numKeyValueHeads: 3,
      tieWordEmbeddings: true,
    });
    expect(() => presetConfig('gpt5' as 'm10')).toThrowError(/m10, m30/);
    expect(() => presetConfig('toString' as 'm10')).toThrowError(/Unknown preset/);
  });
});
