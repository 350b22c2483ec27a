import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configToJson, parseConfig } from './config.js';
import { LmError } from './errors.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';

const base = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  vocab_size: 100,
};

function expectConfigError(json: unknown, ...parts: string[]): void {
  try {
    parseConfig(json, 'cfg.json');
  } catch (e) {
    expect(e).toBeInstanceOf(LmError);
    expect((e as LmError).code).toBe('LM_CONFIG_INVALID');
    for (const p of [...parts, 'cfg.json']) expect((e as LmError).message).toContain(p);
    return;
  }
  throw new Error('expected LM_CONFIG_INVALID');
}

describe('parseConfig', () => {
  it.skipIf(!HAVE_STORIES)(`reads stories260K's config.json${STORIES_SKIP_NOTE}`, () => {
    const c = parseConfig(JSON.parse(readFileSync(join(STORIES_DIR, 'config.json'), 'utf8')));
    expect(c).toMatchObject({
      modelType: 'llama',
      architecture: 'LlamaForCausalLM',
      hiddenSize: 64,
      intermediateSize: 172,
      numHiddenLayers: 5,
      numAttentionHeads: 8,
      numKeyValueHeads: 4,
      headDim: 8,
      vocabSize: 512,
      maxPositionEmbeddings: 512,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      tieWordEmbeddings: true,
      qkvBias: false,
      outputBias: false,
      mlpBias: false,
      bosTokenId: 1,
      eosTokenIds: [2],
    });
  });

  it('fills HF defaults: kv heads = heads, head_dim = hidden/heads, untied, eps 1e-6', () => {
    const c = parseConfig(base);
    expect(c.numKeyValueHeads).toBe(8);
    expect(c.headDim).toBe(8);
    expect(c.tieWordEmbeddings).toBe(false);
    expect(c.rmsNormEps).toBe(1e-6);
    expect(c.ropeTheta).toBe(10000);
    expect(c.bosTokenId).toBe(null);
    expect(c.eosTokenIds).toEqual([]);
  });

  it('knows each family: qwen2 has q/k/v bias, llama attention_bias adds o_proj bias too', () => {
    const qwen = parseConfig({ ...base, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' });
    expect([qwen.qkvBias, qwen.outputBias, qwen.architecture]).toEqual([
      true,
      false,
      'Qwen2ForCausalLM',
    ]);
    const mistral = parseConfig({
      ...base,
      model_type: 'mistral',
      architectures: undefined,
      sliding_window: 4096,
    });
    expect([mistral.qkvBias, mistral.slidingWindow, mistral.architecture]).toEqual([
      false,
      4096,
      'MistralForCausalLM',
    ]);
    const biased = parseConfig({ ...base, attention_bias: true, mlp_bias: true });
    expect([biased.qkvBias, biased.outputBias, biased.mlpBias]).toEqual([true, true, true]);
    expect(parseConfig({ ...base, model_type: undefined }).modelType).toBe('llama');
    expect(parseConfig({ ...base, eos_token_id: [128001, 128009] }).eosTokenIds).toEqual([
      128001, 128009,
    ]);
  });

  it('allows an explicit head_dim that does not divide hidden', () => {
    const c = parseConfig({ ...base, hidden_size: 60, head_dim: 16 });
    expect(c.headDim).toBe(16);
  });

  it('round-trips through configToJson', () => {
    for (const c of [
      parseConfig({
        ...base,
        num_key_value_heads: 2,
        tie_word_embeddings: true,
        bos_token_id: 1,
        eos_token_id: 2,
      }),
      parseConfig({
        ...base,
        model_type: 'qwen2',
        architectures: ['Qwen2ForCausalLM'],
        eos_token_id: [5, 6],
      }),
      parseConfig({
        ...base,
        model_type: 'mistral',
        architectures: ['MistralForCausalLM'],
        sliding_window: 64,
      }),
    ]) {
      expect(parseConfig(JSON.parse(JSON.stringify(configToJson(c))))).toEqual(c);
    }
  });

  it('names the field and the allowed values on bad input', () => {
    expectConfigError([], 'JSON object');
    expectConfigError({ ...base, model_type: 'gpt2' }, '"model_type"', 'llama, mistral, qwen2');
    expectConfigError({ ...base, model_type: 'constructor' }, '"model_type"');
    expectConfigError(
      { ...base, model_type: undefined, architectures: ['GPT2LMHeadModel'] },
      'LlamaForCausalLM',
    );
    expectConfigError(
      { ...base, architectures: ['Qwen2ForCausalLM'] },
      '"architectures"',
      'LlamaForCausalLM',
    );
    expectConfigError({ ...base, hidden_size: undefined }, '"hidden_size"', 'required');
    expectConfigError({ ...base, vocab_size: 0 }, '"vocab_size"', 'positive integer');
    expectConfigError({ ...base, num_hidden_layers: 2.5 }, '"num_hidden_layers"');
    expectConfigError(
      { ...base, num_key_value_heads: 3 },
      '"num_attention_heads"',
      '"num_key_value_heads"',
    );
    expectConfigError({ ...base, hidden_size: 60 }, '"hidden_size"', '"head_dim"');
    expectConfigError({ ...base, hidden_act: 'gelu' }, '"hidden_act"', 'silu');
    expectConfigError({ ...base, rms_norm_eps: -1 }, '"rms_norm_eps"');
    expectConfigError(
      { ...base, tie_word_embeddings: 'yes' },
      '"tie_word_embeddings"',
      'true or false',
    );
    expectConfigError({ ...base, eos_token_id: 'x' }, '"eos_token_id"');
  });
});
