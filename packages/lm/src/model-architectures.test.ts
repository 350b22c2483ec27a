import { createBackend } from '@meerkat/tensor';
import { SeededRandom } from '@meerkat/tensor/conformance';
import { describe, expect, it } from 'vitest';
import { hostDecoderLogits } from '../test/host-decoder.js';
import { parseConfig } from './config.js';
import { LmError } from './errors.js';
import { parameterSpecs } from './layout.js';
import { LlamaModel } from './model.js';

function randomWeights(
  config: ReturnType<typeof parseConfig>,
  seed: number,
): Map<string, Float32Array> {
  const rng = new SeededRandom(seed);
  const out = new Map<string, Float32Array>();
  for (const s of parameterSpecs(config)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const isNorm = s.name.endsWith('norm.weight');
    out.set(
      s.name,
      Float32Array.from({ length: n }, () =>
        isNorm ? 1 + 0.3 * (rng.next() - 0.5) : 0.6 * (rng.next() - 0.5),
      ),
    );
  }
  return out;
}

const QWEN2 = {
  model_type: 'qwen2',
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 37,
  tie_word_embeddings: false,
  rope_theta: 1000000,
  rms_norm_eps: 1e-6,
};

describe('LlamaModel against an independent float64 decoder (random weights, reference:cpu)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['qwen2: q/k/v biases, untied lm_head, GQA 4/2, θ = 1e6', QWEN2],
    [
      'llama: attention_bias (q/k/v/o) and mlp_bias, tied embeddings, no GQA',
      {
        ...QWEN2,
        model_type: 'llama',
        num_key_value_heads: 4,
        attention_bias: true,
        mlp_bias: true,
        tie_word_embeddings: true,
      },
    ],
  ];
  for (const [name, json] of cases) {
    it(name, async () => {
      const config = parseConfig(json);
      const weights = randomWeights(config, 11);
      expect([...weights.keys()].some((k) => k.endsWith('.bias'))).toBe(true);
      const backend = await createBackend('reference:cpu');
      const model = LlamaModel.fromWeights(config, weights, backend);
      const ids = [3, 17, 0, 36, 5, 5, 22, 9];
      const t = model.forward(Uint32Array.from(ids), [1, ids.length], { logits: 'all' });
      const got = await backend.download(t);
      t.dispose();
      const want = hostDecoderLogits(config, weights, ids);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-4);
      // Biases matter: zeroing them changes the logits.
      const noBias = new Map(
        [...weights].map(([k, v]) => [k, k.endsWith('.bias') ? new Float32Array(v.length) : v]),
      );
      const plain = hostDecoderLogits(config, noBias, ids);
      let moved = 0;
      for (let i = 0; i < got.length; i++) moved = Math.max(moved, Math.abs(plain[i]! - want[i]!));
      expect(moved).toBeGreaterThan(1e-2);
      model.dispose();
      expect(backend.memory().tensors).toBe(0);
    });
  }

  it('rejects missing weights and unsupported rope_scaling', async () => {
    const backend = await createBackend('reference:cpu');
    const config = parseConfig(QWEN2);
    const weights = randomWeights(config, 1);
    weights.delete('model.norm.weight');
    expect(() => LlamaModel.fromWeights(config, weights, backend)).toThrow(LmError);
    const scaled = parseConfig({ ...QWEN2, rope_scaling: { rope_type: 'llama3', factor: 8 } });
    expect(() => LlamaModel.fromWeights(scaled, randomWeights(scaled, 1), backend)).toThrow(
      /rope_scaling/,
    );
    expect(backend.memory().tensors).toBe(0);
  });
});
