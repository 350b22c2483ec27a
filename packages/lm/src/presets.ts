import { type LlamaConfig, parseConfig } from './config.js';
import { LmError } from './errors.js';

/** Names of the shipped model-shape presets. */
export type PresetName = 'stories260K' | 'm10' | 'm30' | 'smollm-135m' | 'qwen2-0.5b';

/**
 * Model shapes for random checkpoints (speed does not depend on weight values), as HF
 * `config.json` objects:
 * - `stories260K`: the shape of the shared pretrained test model (260,032 parameters);
 * - `m10` (7,901,440) and `m30` (31.6M): the shapes of `shared/bench/peer_torch.py` (its labels),
 *   tied, so timings compare shape for shape with that PyTorch peer;
 * - `smollm-135m`: HuggingFaceTB/SmolLM-135M (134,515,008 parameters, tied);
 * - `qwen2-0.5b`: Qwen/Qwen2-0.5B (494,032,768 parameters, q/k/v bias, tied).
 * Fields other than the shapes (eps, rope_theta, token ids) follow the published configs.
 */
export const PRESET_CONFIG_JSON: Readonly<Record<PresetName, Readonly<Record<string, unknown>>>> =
  Object.freeze({
    stories260K: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 8,
      vocab_size: 512,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
      bos_token_id: 1,
      eos_token_id: 2,
    },
    m10: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 256,
      intermediate_size: 688,
      num_hidden_layers: 8,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 8192,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    },
    m30: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 512,
      intermediate_size: 1376,
      num_hidden_layers: 8,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 16384,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    },
    'smollm-135m': {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      vocab_size: 49152,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    },
    'qwen2-0.5b': {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      max_position_embeddings: 32768,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000,
      tie_word_embeddings: true,
      bos_token_id: 151643,
      eos_token_id: 151643,
    },
  });

/** The names of all presets. */
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(
  Object.keys(PRESET_CONFIG_JSON) as PresetName[],
);

/** The validated config of a preset; `LM_INVALID_ARGUMENT` for an unknown name. */
export function presetConfig(name: PresetName): LlamaConfig {
  const json = Object.hasOwn(PRESET_CONFIG_JSON, name) ? PRESET_CONFIG_JSON[name] : undefined;
  if (json === undefined) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      `Unknown preset "${String(name)}"; presets are ${PRESET_NAMES.join(', ')}.`,
    );
  }
  return parseConfig(json, `preset ${name}`);
}
