import type { LlamaConfig } from '../src/config.js';

/**
 * An independent float64 Llama/Qwen2 decoder on plain arrays (one unpadded sequence), written
 * straight from the Hugging Face modeling code, for checking `LlamaModel` where no golden file
 * exists (biases, untied heads, other RoPE θ). Returns logits [s, V].
 */
export function hostDecoderLogits(
  config: LlamaConfig,
  weights: ReadonlyMap<string, Float32Array>,
  ids: readonly number[],
): Float64Array {
  const { hiddenSize: h, headDim: d, numAttentionHeads: hq, numKeyValueHeads: hkv } = config;
  const s = ids.length;
  const w = (n: string) => weights.get(n)!;
  const linear = (x: Float64Array, name: string, out: number, inp: number): Float64Array => {
    const W = w(`${name}.weight`);
    const bias = weights.get(`${name}.bias`);
    const y = new Float64Array(s * out);
    for (let t = 0; t < s; t++)
      for (let o = 0; o < out; o++) {
        let acc = bias === undefined ? 0 : bias[o]!;
        for (let i = 0; i < inp; i++) acc += x[t * inp + i]! * W[o * inp + i]!;
        y[t * out + o] = acc;
      }
    return y;
  };
  const norm = (x: Float64Array, name: string): Float64Array => {
    const g = w(name);
    const y = new Float64Array(x.length);
    for (let t = 0; t < s; t++) {
      let ms = 0;
      for (let i = 0; i < h; i++) ms += x[t * h + i]! ** 2;
      const r = 1 / Math.sqrt(ms / h + config.rmsNormEps);
      for (let i = 0; i < h; i++) y[t * h + i] = x[t * h + i]! * r * g[i]!;
    }
    return y;
  };
  const rope = (x: Float64Array, heads: number) => {
    for (let t = 0; t < s; t++)
      for (let hh = 0; hh < heads; hh++)
        for (let i = 0; i < d / 2; i++) {
          const a = t * config.ropeTheta ** (-(2 * i) / d);
          const base = (t * heads + hh) * d;
          const x1 = x[base + i]!;
          const x2 = x[base + i + d / 2]!;
          x[base + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
          x[base + i + d / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
  };
  const embed = w('model.embed_tokens.weight');
  let x = new Float64Array(s * h);
  ids.forEach((id, t) => {
    for (let i = 0; i < h; i++) x[t * h + i] = embed[id * h + i]!;
  });
  for (let l = 0; l < config.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    const n = norm(x, `${p}input_layernorm.weight`);
    const q = linear(n, `${p}self_attn.q_proj`, hq * d, h);
    const k = linear(n, `${p}self_attn.k_proj`, hkv * d, h);
    const v = linear(n, `${p}self_attn.v_proj`, hkv * d, h);
    rope(q, hq);
    rope(k, hkv);
    const att = new Float64Array(s * hq * d);
    for (let hh = 0; hh < hq; hh++) {
      const kh = Math.floor(hh / (hq / hkv));
      for (let i = 0; i < s; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let e = 0; e < d; e++) dot += q[(i * hq + hh) * d + e]! * k[(j * hkv + kh) * d + e]!;
          scores.push(dot / Math.sqrt(d));
        }
        const m = Math.max(...scores);
        const ex = scores.map((z) => Math.exp(z - m));
        const z = ex.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++)
          for (let e = 0; e < d; e++)
            att[(i * hq + hh) * d + e]! += (ex[j]! / z) * v[(j * hkv + kh) * d + e]!;
      }
    }
    const o = linear(att, `${p}self_attn.o_proj`, h, hq * d);
    x = x.map((val, i) => val + o[i]!);
    const n2 = norm(x, `${p}post_attention_layernorm.weight`);
    const f = config.intermediateSize;
    const gate = linear(n2, `${p}mlp.gate_proj`, f, h);
    const up = linear(n2, `${p}mlp.up_proj`, f, h);
    const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
    const down = linear(act, `${p}mlp.down_proj`, h, f);
    x = x.map((val, i) => val + down[i]!);
  }
  const fin = norm(x, 'model.norm.weight');
  const head = config.tieWordEmbeddings ? embed : w('lm_head.weight');
  const V = config.vocabSize;
  const logits = new Float64Array(s * V);
  for (let t = 0; t < s; t++)
    for (let r = 0; r < V; r++) {
      let acc = 0;
      for (let i = 0; i < h; i++) acc += fin[t * h + i]! * head[r * h + i]!;
      logits[t * V + r] = acc;
    }
  return logits;
}
