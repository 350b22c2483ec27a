import type { LlamaConfig } from '../config.js';
import type { LogitsMode } from '../model.js';

/** The shape of one benchmarked forward. */
export interface ForwardShape {
  readonly batch: number;
  readonly seq: number;
  readonly logits: LogitsMode;
}

/** Floating-point operations of one forward, split by where they are spent. */
export interface ForwardFlops {
  /** 2 × (matmul parameters × rows they multiply): the projections and the LM head. */
  readonly linear: number;
  /** Q·Kᵀ and A·V over the causal (query, key) pairs: 4 · d · hq · b · s(s+1)/2 per layer. */
  readonly attention: number;
  readonly total: number;
}

/** Bytes of the float32 tensors a forward creates (an estimate from the op list of `LlamaModel`). */
export interface ActivationEstimate {
  /**
   * The peak working set of one forward: `LlamaModel.forward` runs each layer in its own
   * `backend.scope` and frees the previous residual stream after it, so at most the layer's
   * input plus one layer's temporaries (or the head's) are alive. Backend-internal scratch
   * (e.g. a transposed weight copy inside `matmul`) is not included.
   */
  readonly heldBytes: number;
  /** The logits alone: b·s·V (`'all'`) or b·V (`'last'`) floats. */
  readonly logitsBytes: number;
  /**
   * The causal-LM loss over a forward's `'all'` logits (0 for `'last'`): the b·(s−1) target rows
   * gathered and their log-softmax, 2·b·(s−1)·V floats, plus the per-position NLL. An engine
   * that materialises more inside its log-softmax (exp, shifted copies) holds more.
   */
  readonly lossBytes: number;
}

/** The formula `forwardFlops` uses, for reports. */
export const FLOPS_FORMULA =
  '2·(L·(h·qd + 2·h·kvd + qd·h + 3·h·F)·b·s + V·h·rows) + L·4·d·hq·b·s(s+1)/2; ' +
  'rows = b·s (logits all) or b (last); qd = hq·d, kvd = hkv·d; norms, softmax, RoPE, SwiGLU and bias adds not counted';

function dims(config: LlamaConfig) {
  const h = config.hiddenSize;
  const d = config.headDim;
  return {
    h,
    d,
    hq: config.numAttentionHeads,
    qd: config.numAttentionHeads * d,
    kvd: config.numKeyValueHeads * d,
    f: config.intermediateSize,
    v: config.vocabSize,
    layers: config.numHiddenLayers,
  };
}

/**
 * Parameters that enter a matrix product in a forward: per layer q, k, v, o, gate, up, down,
 * plus the LM head (V·h, the embedding table when tied). Embedding lookups, norms and biases
 * are not matmuls.
 */
export function matmulParameterCount(config: LlamaConfig): number {
  const { h, qd, kvd, f, v, layers } = dims(config);
  return layers * (h * qd + 2 * h * kvd + qd * h + 3 * h * f) + v * h;
}

/** FLOPs of one forward (see {@link FLOPS_FORMULA}); a multiply-add counts as 2. */
export function forwardFlops(config: LlamaConfig, shape: ForwardShape): ForwardFlops {
  const { h, d, hq, qd, kvd, f, v, layers } = dims(config);
  const tokens = shape.batch * shape.seq;
  const headRows = shape.logits === 'all' ? tokens : shape.batch;
  const linear =
    2 * (layers * (h * qd + 2 * h * kvd + qd * h + 3 * h * f) * tokens + v * h * headRows);
  const causalPairs = (shape.seq * (shape.seq + 1)) / 2;
  const attention = layers * 4 * d * hq * shape.batch * causalPairs;
  return { linear, attention, total: linear + attention };
}

/**
 * Activation bytes of one forward, from the op sequence of `LlamaModel.forward`: per layer the
 * norm, q/k/v (and their biases), RoPE'd q and k, two score-sized tensors (scores and
 * probabilities, b·hq·s²), the attention output, o, the residual add, the second norm, gate,
 * up, SwiGLU, down and the second residual add; then the final norm and the logits.
 */
export function activationBytes(config: LlamaConfig, shape: ForwardShape): ActivationEstimate {
  const { h, hq, qd, kvd, f, v } = dims(config);
  const { batch: b, seq: s } = shape;
  const t = b * s;
  const qkvBias = config.qkvBias ? 1 : 0;
  const mlpBias = config.mlpBias ? 1 : 0;
  const oBias = config.outputBias ? 1 : 0;
  const perLayer =
    t * h + // input norm
    t * qd * (2 + qkvBias) + // q (+ bias), rope(q)
    t * kvd * (2 + qkvBias) + // k (+ bias), rope(k)
    t * kvd * (1 + qkvBias) + // v (+ bias)
    2 * b * hq * s * s + // scores and probabilities
    t * qd + // attention output
    t * h * (2 + oBias) + // o (+ bias), residual add
    t * h + // post-attention norm
    t * f * (3 + 2 * mlpBias) + // gate, up (+ biases), swiglu
    t * h * (2 + mlpBias); // down (+ bias), residual add
  const rows = shape.logits === 'all' ? t : b;
  const logits = rows * v;
  const head = (shape.logits === 'all' ? 0 : b * h) + rows * h + logits; // gather, norm, logits
  const targets = b * (s - 1);
  return {
    heldBytes: 4 * (t * h + Math.max(perLayer, head)),
    logitsBytes: 4 * logits,
    lossBytes: shape.logits === 'all' ? 4 * (2 * targets * v + targets) : 0,
  };
}
