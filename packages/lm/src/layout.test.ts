import { createLayout } from '@meerkat/sparse-mask';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { LmError } from './errors.js';
import { checkTensorsAgainstLayout, parameterCount, parameterSpecs } from './layout.js';

const stories = parseConfig({
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 5,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 8,
  vocab_size: 512,
  tie_word_embeddings: true,
});

describe('parameterSpecs', () => {
  it('lists the HF tensor names and shapes in canonical order', () => {
    const specs = parameterSpecs(stories);
    expect(specs.length).toBe(1 + 5 * 9 + 1);
    expect(specs.slice(0, 11)).toEqual([
      { name: 'model.embed_tokens.weight', shape: [512, 64] },
      { name: 'model.layers.0.input_layernorm.weight', shape: [64] },
      { name: 'model.layers.0.self_attn.q_proj.weight', shape: [64, 64] },
      { name: 'model.layers.0.self_attn.k_proj.weight', shape: [32, 64] },
      { name: 'model.layers.0.self_attn.v_proj.weight', shape: [32, 64] },
      { name: 'model.layers.0.self_attn.o_proj.weight', shape: [64, 64] },
      { name: 'model.layers.0.post_attention_layernorm.weight', shape: [64] },
      { name: 'model.layers.0.mlp.gate_proj.weight', shape: [172, 64] },
      { name: 'model.layers.0.mlp.up_proj.weight', shape: [172, 64] },
      { name: 'model.layers.0.mlp.down_proj.weight', shape: [64, 172] },
      { name: 'model.layers.1.input_layernorm.weight', shape: [64] },
    ]);
    expect(specs.at(-1)).toEqual({ name: 'model.norm.weight', shape: [64] });
  });

  it('adds lm_head when untied and biases where the family has them', () => {
    const untied = parameterSpecs({ ...stories, tieWordEmbeddings: false });
    expect(untied.at(-1)).toEqual({ name: 'lm_head.weight', shape: [512, 64] });
    const qwen = parameterSpecs({ ...stories, qkvBias: true }).map((s) => s.name);
    expect(qwen.slice(2, 9)).toEqual([
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.q_proj.bias',
      'model.layers.0.self_attn.k_proj.weight',
      'model.layers.0.self_attn.k_proj.bias',
      'model.layers.0.self_attn.v_proj.weight',
      'model.layers.0.self_attn.v_proj.bias',
      'model.layers.0.self_attn.o_proj.weight',
    ]);
  });

  it('is accepted by @meerkat/sparse-mask createLayout with the same total size', () => {
    const layout = createLayout(parameterSpecs(stories));
    // Hand count: embed 512·64 + 5·(2·64 + 64·64 + 2·32·64 + 64·64 + 3·172·64) + 64.
    const expected = 512 * 64 + 5 * (2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 172 * 64) + 64;
    expect(expected).toBe(260032);
    expect(layout.size).toBe(expected);
    expect(parameterCount(stories)).toBe(expected);
    expect(layout.tensor('model.norm.weight').offset).toBe(expected - 64);
  });
});

describe('checkTensorsAgainstLayout', () => {
  const info = (specs: { name: string; shape: readonly number[] }[]) =>
    new Map(specs.map((s) => [s.name, { shape: s.shape, file: 'm.safetensors' }]));

  function expectError(fn: () => unknown, code: string, ...parts: string[]) {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(LmError);
      expect((e as LmError).code).toBe(code);
      for (const p of parts) expect((e as LmError).message).toContain(p);
      return;
    }
    throw new Error(`expected ${code}`);
  }

  it('accepts an exact match plus ignorable extras', () => {
    const specs = parameterSpecs(stories);
    const m = info([
      ...specs,
      { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', shape: [4] },
      { name: 'lm_head.weight', shape: [512, 64] },
    ]);
    expect(checkTensorsAgainstLayout(stories, m, 'm.safetensors')).toEqual(specs);
  });

  it('names the tensor and file for missing, wrong-shape and unexpected tensors', () => {
    const specs = parameterSpecs(stories);
    expectError(
      () => checkTensorsAgainstLayout(stories, info(specs.slice(1)), 'm.safetensors'),
      'LM_MISSING_TENSOR',
      '"model.embed_tokens.weight"',
      'm.safetensors',
    );
    const wrong = specs.map((s) =>
      s.name === 'model.layers.3.mlp.down_proj.weight' ? { ...s, shape: [172, 64] } : s,
    );
    expectError(
      () => checkTensorsAgainstLayout(stories, info(wrong), 'm.safetensors'),
      'LM_SHAPE_MISMATCH',
      '"model.layers.3.mlp.down_proj.weight"',
      '[172, 64]',
      '[64, 172]',
      'm.safetensors',
    );
    expectError(
      () =>
        checkTensorsAgainstLayout(
          stories,
          info([...specs, { name: 'model.layers.5.input_layernorm.weight', shape: [64] }]),
          'm.safetensors',
        ),
      'LM_UNEXPECTED_TENSOR',
      '"model.layers.5.input_layernorm.weight"',
      'm.safetensors',
    );
    expectError(
      () =>
        checkTensorsAgainstLayout(
          { ...stories, tieWordEmbeddings: false },
          info(specs),
          'm.safetensors',
        ),
      'LM_MISSING_TENSOR',
      '"lm_head.weight"',
    );
  });
});
