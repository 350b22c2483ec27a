import type { LlamaConfig } from './config.js';
import { LmError } from './errors.js';

/**
 * One named tensor and its shape; structurally the `TensorSpec` of `@meerkat/sparse-mask`, so
 * `createLayout(parameterSpecs(config))` works without this package depending on it.
 */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * The tensors of a HF Llama-family checkpoint in canonical (forward-execution) order:
 * 1. `model.embed_tokens.weight` [vocab, hidden]
 * 2. per layer i = 0 … L−1, prefix `model.layers.{i}.`:
 *    `input_layernorm.weight` [hidden];
 *    `self_attn.q_proj.weight` [heads·headDim, hidden] (+ `.bias` [heads·headDim] with qkv bias);
 *    `self_attn.k_proj.weight` [kvHeads·headDim, hidden] (+ `.bias`);
 *    `self_attn.v_proj.weight` [kvHeads·headDim, hidden] (+ `.bias`);
 *    `self_attn.o_proj.weight` [hidden, heads·headDim] (+ `.bias` [hidden] with output bias);
 *    `post_attention_layernorm.weight` [hidden];
 *    `mlp.gate_proj.weight` [intermediate, hidden], `mlp.up_proj.weight` [intermediate, hidden],
 *    `mlp.down_proj.weight` [hidden, intermediate] (each + `.bias` with mlp bias);
 * 3. `model.norm.weight` [hidden];
 * 4. `lm_head.weight` [vocab, hidden], only when embeddings are not tied.
 * Weights are PyTorch `Linear` layout [out, in], row-major.
 */
export function parameterSpecs(config: LlamaConfig): ParameterSpec[] {
  const { hiddenSize: h, intermediateSize: f, vocabSize: v, headDim } = config;
  const q = config.numAttentionHeads * headDim;
  const kv = config.numKeyValueHeads * headDim;
  const specs: ParameterSpec[] = [{ name: 'model.embed_tokens.weight', shape: [v, h] }];
  const linear = (name: string, out: number, inp: number, bias: boolean) => {
    specs.push({ name: `${name}.weight`, shape: [out, inp] });
    if (bias) specs.push({ name: `${name}.bias`, shape: [out] });
  };
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}.`;
    specs.push({ name: `${p}input_layernorm.weight`, shape: [h] });
    linear(`${p}self_attn.q_proj`, q, h, config.qkvBias);
    linear(`${p}self_attn.k_proj`, kv, h, config.qkvBias);
    linear(`${p}self_attn.v_proj`, kv, h, config.qkvBias);
    linear(`${p}self_attn.o_proj`, h, q, config.outputBias);
    specs.push({ name: `${p}post_attention_layernorm.weight`, shape: [h] });
    linear(`${p}mlp.gate_proj`, f, h, config.mlpBias);
    linear(`${p}mlp.up_proj`, f, h, config.mlpBias);
    linear(`${p}mlp.down_proj`, h, f, config.mlpBias);
  }
  specs.push({ name: 'model.norm.weight', shape: [h] });
  if (!config.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [v, h] });
  return specs;
}

/** Total number of parameters of a config (sum of its spec sizes). */
export function parameterCount(config: LlamaConfig): number {
  let total = 0;
  for (const s of parameterSpecs(config)) total += s.shape.reduce((a, b) => a * b, 1);
  return total;
}

/**
 * Whether an extra checkpoint tensor is known to be harmless: RoPE `inv_freq` buffers
 * (recomputed from the config), and `lm_head.weight` in a tied checkpoint that stores the
 * shared matrix twice.
 */
export function isIgnorableTensor(name: string, config: LlamaConfig): boolean {
  if (name.endsWith('rotary_emb.inv_freq')) return true;
  return config.tieWordEmbeddings && name === 'lm_head.weight';
}

/** What {@link checkTensorsAgainstLayout} needs of each checkpoint tensor. */
export interface CheckpointTensorInfo {
  readonly shape: readonly number[];
  /** The file the tensor came from, for error messages. */
  readonly file: string;
}

/**
 * Checks checkpoint tensors against a config's layout: every spec present with its exact shape
 * (`LM_MISSING_TENSOR`, `LM_SHAPE_MISMATCH`) and nothing else apart from
 * {@link isIgnorableTensor} ones (`LM_UNEXPECTED_TENSOR`). Errors name the tensor and the file.
 */
export function checkTensorsAgainstLayout(
  config: LlamaConfig,
  tensors: ReadonlyMap<string, CheckpointTensorInfo>,
  source: string,
): ParameterSpec[] {
  const specs = parameterSpecs(config);
  const expected = new Set<string>();
  for (const spec of specs) {
    expected.add(spec.name);
    const t = tensors.get(spec.name);
    if (t === undefined) {
      throw new LmError(
        'LM_MISSING_TENSOR',
        `${source}: tensor "${spec.name}" [${spec.shape.join(', ')}] is missing, but the config (${config.architecture}, ${config.numHiddenLayers} layers${config.tieWordEmbeddings ? ', tied embeddings' : ''}) requires it; check that config.json belongs to this checkpoint.`,
      );
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new LmError(
        'LM_SHAPE_MISMATCH',
        `${t.file}: tensor "${spec.name}" has shape [${t.shape.join(', ')}] but the config implies [${spec.shape.join(', ')}]; check that config.json belongs to this checkpoint.`,
      );
    }
  }
  for (const [name, t] of tensors) {
    if (!expected.has(name) && !isIgnorableTensor(name, config)) {
      throw new LmError(
        'LM_UNEXPECTED_TENSOR',
        `${t.file}: tensor "${name}" is not part of a ${config.architecture} with this config${name === 'lm_head.weight' ? ' (tie_word_embeddings is true)' : ''}; check config.json (layers, biases, tie_word_embeddings).`,
      );
    }
  }
  return specs;
}
