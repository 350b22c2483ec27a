import { LmError } from './errors.js';

/** The model families this package understands (HF `model_type`). */
export type ModelType = 'llama' | 'mistral' | 'qwen2';

/** HF `architectures[0]` for each model type. */
export const ARCHITECTURES: Readonly<Record<ModelType, string>> = Object.freeze({
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
});

/** A validated Llama-family decoder config, with HF defaults filled in (camelCase). */
export interface LlamaConfig {
  readonly modelType: ModelType;
  readonly architecture: string;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  /** Key/value heads (grouped-query attention); default `numAttentionHeads`. */
  readonly numKeyValueHeads: number;
  /** Per-head size; default `hiddenSize / numAttentionHeads`. */
  readonly headDim: number;
  readonly vocabSize: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** HF `rope_scaling`, kept as given (null when absent). */
  readonly ropeScaling: Readonly<Record<string, unknown>> | null;
  readonly maxPositionEmbeddings: number;
  /** Whether `lm_head` shares `model.embed_tokens.weight` (default false, as in HF). */
  readonly tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (qwen2: always; llama: `attention_bias`). */
  readonly qkvBias: boolean;
  /** o_proj carries a bias (llama `attention_bias` only). */
  readonly outputBias: boolean;
  /** gate/up/down projections carry a bias (llama `mlp_bias`). */
  readonly mlpBias: boolean;
  /** Sliding-window attention size (mistral/qwen2), null for full attention. */
  readonly slidingWindow: number | null;
  readonly hiddenAct: 'silu';
  readonly bosTokenId: number | null;
  /** One id or several (Llama 3 style lists); empty when absent. */
  readonly eosTokenIds: readonly number[];
}

/** HF defaults per model type for the fields a config may omit. */
const DEFAULTS: Readonly<
  Record<ModelType, { rmsNormEps: number; ropeTheta: number; maxPositionEmbeddings: number }>
> = {
  llama: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
  mistral: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 4096 * 32 },
  qwen2: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
};

function invalid(file: string, message: string): LmError {
  return new LmError('LM_CONFIG_INVALID', `${file}: ${message}`);
}

type Raw = Record<string, unknown>;

function positiveInt(raw: Raw, key: string, file: string, fallback?: number): number {
  const value = raw[key] ?? fallback;
  if (value === undefined) {
    throw invalid(file, `"${key}" is required (a positive integer).`);
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(file, `"${key}" must be a positive integer, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function positiveNumber(raw: Raw, key: string, file: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(file, `"${key}" must be a positive finite number, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function bool(raw: Raw, key: string, file: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw invalid(file, `"${key}" must be true or false, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function tokenIds(raw: Raw, key: string, file: string): number[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
    throw invalid(
      file,
      `"${key}" must be a token id or a list of token ids, got ${JSON.stringify(value)}.`,
    );
  }
  return list as number[];
}

function modelTypeOf(raw: Raw, file: string): ModelType {
  const allowed = Object.keys(ARCHITECTURES).join(', ');
  const archs = raw['architectures'];
  const arch = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : undefined;
  const fromArch = (Object.keys(ARCHITECTURES) as ModelType[]).find(
    (t) => ARCHITECTURES[t] === arch,
  );
  const type = raw['model_type'];
  if (type === undefined) {
    if (fromArch !== undefined) return fromArch;
    throw invalid(
      file,
      `"model_type" is missing and "architectures" ${JSON.stringify(archs)} names no supported model; supported model_type values: ${allowed} (${Object.values(ARCHITECTURES).join(', ')}).`,
    );
  }
  if (typeof type !== 'string' || !Object.hasOwn(ARCHITECTURES, type)) {
    throw invalid(file, `"model_type" is ${JSON.stringify(type)}; supported values: ${allowed}.`);
  }
  if (arch !== undefined && arch !== ARCHITECTURES[type as ModelType]) {
    throw invalid(
      file,
      `"architectures" is ${JSON.stringify(archs)} but model_type "${type}" needs "${ARCHITECTURES[type as ModelType]}"; supported architectures: ${Object.values(ARCHITECTURES).join(', ')}.`,
    );
  }
  return type as ModelType;
}

/**
 * Parses and validates a Hugging Face `config.json` object for LlamaForCausalLM,
 * MistralForCausalLM or Qwen2ForCausalLM. Required: hidden_size, intermediate_size,
 * num_hidden_layers, num_attention_heads, vocab_size. Checks: positive integers,
 * heads divisible by key/value heads, hidden = heads × head_dim unless head_dim is given,
 * hidden_act silu. Errors (`LM_CONFIG_INVALID`) name the field and the allowed values.
 */
export function parseConfig(json: unknown, file = 'config.json'): LlamaConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalid(file, 'must be a JSON object (a Hugging Face config.json).');
  }
  const raw = json as Raw;
  const modelType = modelTypeOf(raw, file);
  const d = DEFAULTS[modelType];
  const hiddenSize = positiveInt(raw, 'hidden_size', file);
  const intermediateSize = positiveInt(raw, 'intermediate_size', file);
  const numHiddenLayers = positiveInt(raw, 'num_hidden_layers', file);
  const numAttentionHeads = positiveInt(raw, 'num_attention_heads', file);
  const numKeyValueHeads = positiveInt(raw, 'num_key_value_heads', file, numAttentionHeads);
  const vocabSize = positiveInt(raw, 'vocab_size', file);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw invalid(
      file,
      `"num_attention_heads" (${numAttentionHeads}) must be divisible by "num_key_value_heads" (${numKeyValueHeads}).`,
    );
  }
  let headDim: number;
  if (raw['head_dim'] === undefined || raw['head_dim'] === null) {
    if (hiddenSize % numAttentionHeads !== 0) {
      throw invalid(
        file,
        `"hidden_size" (${hiddenSize}) must be divisible by "num_attention_heads" (${numAttentionHeads}) when "head_dim" is not given.`,
      );
    }
    headDim = hiddenSize / numAttentionHeads;
  } else headDim = positiveInt(raw, 'head_dim', file);
  const act = raw['hidden_act'] ?? 'silu';
  if (act !== 'silu') {
    throw invalid(
      file,
      `"hidden_act" is ${JSON.stringify(act)}; the only supported value is "silu".`,
    );
  }
  const scaling = raw['rope_scaling'];
  if (
    scaling !== undefined &&
    scaling !== null &&
    (typeof scaling !== 'object' || Array.isArray(scaling))
  ) {
    throw invalid(
      file,
      `"rope_scaling" must be an object or null, got ${JSON.stringify(scaling)}.`,
    );
  }
  const window = raw['sliding_window'];
  const useWindow =
    modelType !== 'llama' &&
    window !== null &&
    window !== undefined &&
    raw['use_sliding_window'] !== false;
  const llamaBias = modelType === 'llama' && bool(raw, 'attention_bias', file, false);
  const bos = tokenIds(raw, 'bos_token_id', file);
  return Object.freeze({
    modelType,
    architecture: ARCHITECTURES[modelType],
    hiddenSize,
    intermediateSize,
    numHiddenLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    vocabSize,
    rmsNormEps: positiveNumber(raw, 'rms_norm_eps', file, d.rmsNormEps),
    ropeTheta: positiveNumber(raw, 'rope_theta', file, d.ropeTheta),
    ropeScaling:
      scaling === undefined || scaling === null ? null : Object.freeze({ ...(scaling as Raw) }),
    maxPositionEmbeddings: positiveInt(
      raw,
      'max_position_embeddings',
      file,
      d.maxPositionEmbeddings,
    ),
    tieWordEmbeddings: bool(raw, 'tie_word_embeddings', file, false),
    qkvBias: modelType === 'qwen2' || llamaBias,
    outputBias: llamaBias,
    mlpBias: modelType === 'llama' && bool(raw, 'mlp_bias', file, false),
    slidingWindow: useWindow ? positiveInt(raw, 'sliding_window', file) : null,
    hiddenAct: 'silu',
    bosTokenId: bos[0] ?? null,
    eosTokenIds: Object.freeze(tokenIds(raw, 'eos_token_id', file)),
  });
}

/** The `config.json` object (HF snake_case) for a config, as the random-checkpoint writer saves it. */
export function configToJson(config: LlamaConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [config.architecture],
    model_type: config.modelType,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    num_key_value_heads: config.numKeyValueHeads,
    head_dim: config.headDim,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    tie_word_embeddings: config.tieWordEmbeddings,
    hidden_act: config.hiddenAct,
    torch_dtype: 'float32',
  };
  if (config.ropeScaling !== null) out['rope_scaling'] = config.ropeScaling;
  if (config.modelType === 'llama') {
    out['attention_bias'] = config.qkvBias;
    out['mlp_bias'] = config.mlpBias;
  }
  if (config.modelType !== 'llama') {
    out['sliding_window'] = config.slidingWindow;
    out['use_sliding_window'] = config.slidingWindow !== null;
  }
  if (config.bosTokenId !== null) out['bos_token_id'] = config.bosTokenId;
  if (config.eosTokenIds.length > 0) {
    out['eos_token_id'] =
      config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : [...config.eosTokenIds];
  }
  return out;
}
