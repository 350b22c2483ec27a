import { type Backend, createReferenceBackend } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { activationBytes, forwardFlops, matmulParameterCount } from '../src/cli/forward-cost.js';
import { seededWeights } from '../src/cli/lazy-weights.js';
import { type LlamaConfig, parseConfig } from '../src/config.js';
import { parameterCount, parameterSpecs } from '../src/layout.js';
import { LlamaModel } from '../src/model.js';
import { presetConfig } from '../src/presets.js';

const qwenLike = parseConfig({
  model_type: 'qwen2',
  hidden_size: 48,
  intermediate_size: 100,
  num_hidden_layers: 3,
  num_attention_heads: 6,
  num_key_value_heads: 2,
  vocab_size: 300,
  tie_word_embeddings: false,
});

/** FLOPs by walking the forward's products one by one (rows × in × out × 2, causal pairs by loop). */
function bruteForceFlops(c: LlamaConfig, b: number, s: number, all: boolean): number {
  const t = b * s;
  const { hiddenSize: h, headDim: d, numAttentionHeads: hq, numKeyValueHeads: hkv } = c;
  const products: [number, number, number][] = [];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    products.push([t, h, hq * d], [t, h, hkv * d], [t, h, hkv * d], [t, hq * d, h]);
    products.push(
      [t, h, c.intermediateSize],
      [t, h, c.intermediateSize],
      [t, c.intermediateSize, h],
    );
  }
  products.push([all ? t : b, h, c.vocabSize]);
  let flops = products.reduce((acc, [m, k, n]) => acc + 2 * m * k * n, 0);
  for (let l = 0; l < c.numHiddenLayers; l++)
    for (let r = 0; r < b * hq; r++)
      for (let i = 0; i < s; i++) for (let j = 0; j <= i; j++) flops += 2 * d + 2 * d; // q·k and p·v for the pair (i, j)
  return flops;
}

describe('forward cost accounting of meerkat-lm bench', { timeout: 60_000 }, () => {
  it('matmul parameters are all parameters but norms, biases and (untied) the embedding lookup', () => {
    for (const c of [presetConfig('stories260K'), presetConfig('smollm-135m'), qwenLike]) {
      const notMatmul = parameterSpecs(c)
        .filter(
          (s) =>
            s.shape.length === 1 ||
            (s.name === 'model.embed_tokens.weight' && !c.tieWordEmbeddings),
        )
        .reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
      expect(matmulParameterCount(c) + notMatmul).toBe(parameterCount(c));
    }
  });

  it('FLOPs per forward equal a product-by-product count, for logits all and last', () => {
    for (const c of [presetConfig('stories260K'), qwenLike]) {
      for (const [b, s] of [
        [1, 1],
        [2, 7],
        [3, 16],
      ] as const) {
        for (const logits of ['all', 'last'] as const) {
          const f = forwardFlops(c, { batch: b, seq: s, logits });
          expect(f.total).toBe(bruteForceFlops(c, b, s, logits === 'all'));
          expect(f.total).toBe(f.linear + f.attention);
        }
      }
    }
    // the formula is close to 2·params·tokens at short sequences (peer_torch.py's count)
    const m30 = presetConfig('m30');
    const f = forwardFlops(m30, { batch: 8, seq: 128, logits: 'all' });
    expect(f.total / (2 * parameterCount(m30) * 1024)).toBeGreaterThan(1);
    expect(f.total / (2 * parameterCount(m30) * 1024)).toBeLessThan(1.05);
  });

  it('the activation estimate is within 25% of the bytes a forward really holds on reference:cpu', () => {
    // Watch backend.memory() after every op of a forward: its peak minus the weights is what one
    // forward holds (reference:cpu copies on reshape and keeps attention scores off the books).
    for (const c of [presetConfig('stories260K'), qwenLike]) {
      const inner = createReferenceBackend();
      let peak = 0;
      const watched = new Proxy(inner, {
        get(target, key, receiver) {
          const v = Reflect.get(target, key, receiver) as unknown;
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            const out = (v as (...a: unknown[]) => unknown).apply(target, args);
            peak = Math.max(peak, target.memory().bytes);
            return out;
          };
        },
      }) as Backend;
      const model = LlamaModel.fromWeights(c, seededWeights(c, 3), watched);
      const weights = inner.memory().bytes;
      expect(weights).toBe(4 * parameterCount(c));
      for (const logits of ['all', 'last'] as const) {
        peak = 0;
        const out = model.forward(new Uint32Array(2 * 16).fill(5), [2, 16], { logits });
        out.dispose();
        const est = activationBytes(c, { batch: 2, seq: 16, logits });
        const held = peak - weights;
        expect(held / est.heldBytes, `${c.modelType} ${logits}`).toBeGreaterThan(0.75);
        expect(held / est.heldBytes, `${c.modelType} ${logits}`).toBeLessThan(1.25);
        expect(est.logitsBytes).toBe(4 * (logits === 'all' ? 32 : 2) * c.vocabSize);
      }
      model.dispose();
    }
  });
});
