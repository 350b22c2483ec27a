import type { Backend, Tensor } from '@meerkat/tensor';
// `#load-checkpoint` is checkpoint.ts (reads the directory) under Node and checkpoint-browser.ts
// (throws) under the `browser` condition: see package.json "imports" and browser.ts.
import { loadCheckpoint } from '#load-checkpoint';
import type { Checkpoint } from './checkpoint.js';
import type { LlamaConfig } from './config.js';
import { LmError } from './errors.js';
import { type ParameterSpec, parameterSpecs } from './layout.js';

/** Which logits `forward` returns. */
export type LogitsMode = 'all' | 'last';

/** Options of `LlamaModel.forward`. */
export interface ForwardOptions {
  /**
   * Padding mask [b, s]: nonzero = a real token, 0 = padding (left or right). Omit when nothing
   * is padded.
   */
  readonly attentionMask?: Uint32Array | Float32Array;
  /**
   * RoPE positions, length s (shared by every row) or b·s. Default: 0 … s−1 without a mask; with
   * a mask, the Hugging Face convention `cumsum(mask) − 1` per row (padded slots get position 1,
   * as HF's `masked_fill_(mask == 0, 1)`; they are never attended to, so the value is irrelevant).
   * This makes a left-padded row see the same positions as the unpadded sequence.
   */
  readonly positions?: Uint32Array;
  /**
   * `'all'`: logits [b, s, V]. `'last'`: logits [b, V] of each row's last real token (the last
   * position whose mask is nonzero; position s − 1 without a mask or with left padding).
   */
  readonly logits: LogitsMode;
  /**
   * Compute the head only for these token ids, in this order: the result's last axis has
   * `vocabIds.length` entries instead of V (e.g. a verbalizer's label tokens). With a 32,000-token
   * vocabulary the full head costs more than the decoder layers of a small model.
   */
  readonly vocabIds?: Uint32Array;
}

/** The backend tensors of one decoder layer. */
interface LayerWeights {
  readonly inputNorm: Tensor;
  readonly q: Tensor;
  readonly qBias: Tensor | null;
  readonly k: Tensor;
  readonly kBias: Tensor | null;
  readonly v: Tensor;
  readonly vBias: Tensor | null;
  readonly o: Tensor;
  readonly oBias: Tensor | null;
  readonly postNorm: Tensor;
  readonly gate: Tensor;
  readonly gateBias: Tensor | null;
  readonly up: Tensor;
  readonly upBias: Tensor | null;
  readonly down: Tensor;
  readonly downBias: Tensor | null;
}

function invalid(message: string): LmError {
  return new LmError('LM_INVALID_ARGUMENT', message);
}

/** `cumsum(mask) − 1` per row; padded slots get 1 (HF `generate` convention). */
export function positionsFromMask(
  mask: ArrayLike<number>,
  batch: number,
  seq: number,
): Uint32Array {
  const out = new Uint32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let t = 0; t < seq; t++) {
      const i = b * seq + t;
      if (mask[i] !== 0) {
        out[i] = seen;
        seen++;
      } else out[i] = 1;
    }
  }
  return out;
}

/**
 * A Llama / Mistral / Qwen2 decoder (Hugging Face semantics) whose weights live on a
 * `@meerkat/tensor` backend. Weights are uploaded once, at construction; `forward` creates its
 * temporaries inside `backend.scope`, so only the returned logits outlive a call.
 *
 * Per layer: `x += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n)))` with
 * `n = input_layernorm(x)`, then `x += down_proj(silu(gate_proj(n')) ⊙ up_proj(n'))` with
 * `n' = post_attention_layernorm(x)`; finally `model.norm` and `lm_head` (or the embedding table
 * when tied). RoPE is rotate-half with `rope_theta`; `rope_scaling` is not supported yet.
 */
export class LlamaModel {
  readonly config: LlamaConfig;
  readonly backend: Backend;
  /** The canonical parameters (`parameterSpecs(config)`), in order. */
  readonly specs: readonly ParameterSpec[];
  private readonly weights: Map<string, Tensor>;
  private readonly layers: LayerWeights[];
  private readonly embed: Tensor;
  private readonly finalNorm: Tensor;
  private readonly lmHead: Tensor;
  private disposed = false;

  private constructor(config: LlamaConfig, backend: Backend, weights: Map<string, Tensor>) {
    this.config = config;
    this.backend = backend;
    this.specs = parameterSpecs(config);
    this.weights = weights;
    const w = (name: string) => weights.get(name)!;
    const opt = (name: string) => weights.get(name) ?? null;
    this.embed = w('model.embed_tokens.weight');
    this.finalNorm = w('model.norm.weight');
    this.lmHead = config.tieWordEmbeddings ? this.embed : w('lm_head.weight');
    this.layers = [];
    for (let i = 0; i < config.numHiddenLayers; i++) {
      const p = `model.layers.${i}.`;
      this.layers.push({
        inputNorm: w(`${p}input_layernorm.weight`),
        q: w(`${p}self_attn.q_proj.weight`),
        qBias: opt(`${p}self_attn.q_proj.bias`),
        k: w(`${p}self_attn.k_proj.weight`),
        kBias: opt(`${p}self_attn.k_proj.bias`),
        v: w(`${p}self_attn.v_proj.weight`),
        vBias: opt(`${p}self_attn.v_proj.bias`),
        o: w(`${p}self_attn.o_proj.weight`),
        oBias: opt(`${p}self_attn.o_proj.bias`),
        postNorm: w(`${p}post_attention_layernorm.weight`),
        gate: w(`${p}mlp.gate_proj.weight`),
        gateBias: opt(`${p}mlp.gate_proj.bias`),
        up: w(`${p}mlp.up_proj.weight`),
        upBias: opt(`${p}mlp.up_proj.bias`),
        down: w(`${p}mlp.down_proj.weight`),
        downBias: opt(`${p}mlp.down_proj.bias`),
      });
    }
  }

  /**
   * Uploads host weights (canonical names of `parameterSpecs(config)`, float32) to `backend`.
   * Every canonical tensor must be present with the right length; extras are ignored.
   */
  static fromWeights(
    config: LlamaConfig,
    weights: ReadonlyMap<string, Float32Array>,
    backend: Backend,
  ): LlamaModel {
    if (config.ropeScaling !== null) {
      const type = config.ropeScaling['rope_type'] ?? config.ropeScaling['type'];
      if (type !== 'default') {
        throw invalid(
          `rope_scaling ${JSON.stringify(config.ropeScaling)} is not supported yet; only plain RoPE (rope_scaling null) runs.`,
        );
      }
    }
    const specs = parameterSpecs(config);
    for (const s of specs) {
      const data = weights.get(s.name);
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (data === undefined) {
        throw new LmError(
          'LM_MISSING_TENSOR',
          `weight ${s.name} [${s.shape.join(', ')}] is missing.`,
        );
      }
      if (data.length !== size) {
        throw new LmError(
          'LM_SHAPE_MISMATCH',
          `weight ${s.name} has ${data.length} values; its shape [${s.shape.join(', ')}] needs ${size}.`,
        );
      }
    }
    const uploaded = new Map<string, Tensor>();
    try {
      for (const s of specs) {
        uploaded.set(s.name, backend.keep(backend.upload(weights.get(s.name)!, s.shape)));
      }
    } catch (e) {
      backend.dispose([...uploaded.values()]);
      throw e;
    }
    return new LlamaModel(config, backend, uploaded);
  }

  /** Uploads a loaded checkpoint's canonical tensors (widened to float32) to `backend`. */
  static fromCheckpoint(checkpoint: Checkpoint, backend: Backend): LlamaModel {
    const host = new Map<string, Float32Array>();
    for (const s of checkpoint.specs) host.set(s.name, checkpoint.tensors.get(s.name)!.data());
    return LlamaModel.fromWeights(checkpoint.config, host, backend);
  }

  /**
   * `loadCheckpoint(dir)` then `fromCheckpoint`. Node only: in the browser build (`@meerkat/lm/browser`)
   * it throws `LM_NODE_ONLY`; load in-memory files there with `loadModelFromBytes`.
   */
  static load(dir: string, backend: Backend): LlamaModel {
    return LlamaModel.fromCheckpoint(loadCheckpoint(dir), backend);
  }

  /** The backend tensor of a canonical parameter (owned by the model; do not dispose it). */
  weight(name: string): Tensor {
    const t = this.weights.get(name);
    if (t === undefined) throw invalid(`${name} is not a parameter of this model.`);
    return t;
  }

  /** Frees every weight on the backend; the model cannot be used afterwards. */
  dispose(): void {
    this.backend.dispose([...this.weights.values()]);
    this.disposed = true;
  }

  private linear(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
    const y = this.backend.matmul(x, w, { transposeB: true });
    return bias === null ? y : this.backend.add(y, bias);
  }

  /**
   * Logits for token ids laid out as `shape = [b, s]`: [b, s, V] (`logits: 'all'`) or [b, V]
   * (`'last'`); V becomes `vocabIds.length` when `vocabIds` is given. The caller owns the returned tensor (dispose it, or call inside a scope).
   */
  forward(ids: Uint32Array, shape: readonly [number, number], options: ForwardOptions): Tensor {
    if (this.disposed) throw invalid('this LlamaModel was disposed.');
    const [b, s] = shape;
    if (!Number.isSafeInteger(b) || !Number.isSafeInteger(s) || b < 1 || s < 1) {
      throw invalid(`shape must be [batch ≥ 1, seq ≥ 1], got [${shape.join(', ')}].`);
    }
    if (ids.length !== b * s) {
      throw invalid(`ids has ${ids.length} entries; shape [${b}, ${s}] needs ${b * s}.`);
    }
    const c = this.config;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! >= c.vocabSize) {
        throw invalid(
          `token id ${ids[i]} at index ${i} is outside the vocabulary (size ${c.vocabSize}).`,
        );
      }
    }
    if (c.slidingWindow !== null && s > c.slidingWindow) {
      throw invalid(
        `sequence length ${s} exceeds sliding_window ${c.slidingWindow}; sliding-window attention is not implemented.`,
      );
    }
    const mask = options.attentionMask;
    if (mask !== undefined && mask.length !== b * s) {
      throw invalid(`attentionMask has ${mask.length} entries; shape [${b}, ${s}] needs ${b * s}.`);
    }
    let positions = options.positions;
    if (positions === undefined) {
      if (mask === undefined) {
        positions = new Uint32Array(s);
        for (let t = 0; t < s; t++) positions[t] = t;
      } else positions = positionsFromMask(mask, b, s);
    } else if (positions.length !== s && positions.length !== b * s) {
      throw invalid(`positions has ${positions.length} entries; it needs ${s} or ${b * s}.`);
    }
    let lastRows: Uint32Array | null = null;
    if (options.logits === 'last') {
      lastRows = new Uint32Array(b);
      for (let r = 0; r < b; r++) {
        let last = s - 1;
        if (mask !== undefined) {
          while (last > 0 && mask[r * s + last] === 0) last--;
        }
        lastRows[r] = r * s + last;
      }
    } else if (options.logits !== 'all') {
      throw invalid(`logits must be 'all' or 'last', got ${JSON.stringify(options.logits)}.`);
    }
    const { vocabIds } = options;
    if (vocabIds !== undefined) {
      if (!(vocabIds instanceof Uint32Array) || vocabIds.length === 0) {
        throw invalid('vocabIds must be a non-empty Uint32Array of token ids.');
      }
      for (const id of vocabIds) {
        if (id >= c.vocabSize) {
          throw invalid(
            `vocabIds has token id ${id}, outside the vocabulary (size ${c.vocabSize}).`,
          );
        }
      }
    }
    const rotary = { positions, theta: c.ropeTheta };
    const be = this.backend;
    const { numAttentionHeads: hq, numKeyValueHeads: hkv, headDim: d, hiddenSize: h } = c;
    return be.scope(() => {
      const maskTensor =
        mask === undefined
          ? undefined
          : be.upload(
              Float32Array.from(mask, (m) => (m !== 0 ? 1 : 0)),
              [b, s],
            );
      let x = be.embedding(this.embed, ids, [b, s]);
      for (const L of this.layers) {
        // Each layer in its own scope, and the previous residual stream freed after it: only
        // one layer's temporaries are alive at a time (the peak-memory lever on big models).
        const input = x;
        x = be.scope(() => {
          const n = be.rmsNorm(input, L.inputNorm, c.rmsNormEps);
          const q = be.rope(be.reshape(this.linear(n, L.q, L.qBias), [b, s, hq, d]), rotary);
          const k = be.rope(be.reshape(this.linear(n, L.k, L.kBias), [b, s, hkv, d]), rotary);
          const v = be.reshape(this.linear(n, L.v, L.vBias), [b, s, hkv, d]);
          const att = be.attention(q, k, v, maskTensor === undefined ? {} : { mask: maskTensor });
          const mid = be.add(input, this.linear(be.reshape(att, [b, s, hq * d]), L.o, L.oBias));
          const n2 = be.rmsNorm(mid, L.postNorm, c.rmsNormEps);
          const up = this.linear(n2, L.up, L.upBias);
          const act = be.swiglu(this.linear(n2, L.gate, L.gateBias), up);
          return be.add(mid, this.linear(act, L.down, L.downBias));
        });
        be.dispose(input);
      }
      if (lastRows !== null) x = be.embedding(be.reshape(x, [b * s, h]), lastRows, [b]);
      const head =
        vocabIds === undefined
          ? this.lmHead
          : be.embedding(this.lmHead, vocabIds, [vocabIds.length]);
      return be.matmul(be.rmsNorm(x, this.finalNorm, c.rmsNormEps), head, { transposeB: true });
    });
  }
}
