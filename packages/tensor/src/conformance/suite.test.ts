import { describe, expect, it } from 'vitest';
import type { AttentionOptions, Backend, Rotary, Tensor } from '../backend.js';
import { createReferenceBackend, referenceData } from '../reference-backend.js';
import { attentionDims, checkSameShape, rmsNormDims, ropeDims } from '../shapes.js';
import { type ConformanceReport, checkBackend } from './suite.js';

/**
 * The suite must catch wrong backends: each mutant below is the reference backend with one
 * realistic bug, and the report must fail exactly the cases of the broken operation.
 */

function mutant(overrides: (base: Backend) => Partial<Backend>): Backend {
  const base = createReferenceBackend();
  const patch = overrides(base);
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in patch) return patch[prop as keyof Backend];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function failedOps(report: ConformanceReport): string[] {
  return [...new Set(report.outcomes.filter((o) => o.status === 'failed').map((o) => o.op))].sort();
}

function failures(report: ConformanceReport): string {
  return report.outcomes
    .filter((o) => o.status === 'failed')
    .map((o) => `${o.name}: ${o.message}`)
    .join('\n');
}

/** Rounds to a float with `bits` mantissa bits (bfloat16: 8, TF32: 11). */
function roundMantissa(x: Float32Array, bits: number): Float32Array {
  return x.map((v) => {
    if (v === 0 || !Number.isFinite(v)) return v;
    const e = 2 ** (Math.floor(Math.log2(Math.abs(v))) - bits + 1);
    return Math.round(v / e) * e;
  });
}

describe('the conformance suite catches broken backends', () => {
  it('passes the unmodified reference backend (proxied the same way)', async () => {
    const report = await checkBackend(mutant(() => ({})));
    expect(failures(report)).toBe('');
  });

  it('rope with the interleaved (GPT-J) convention instead of rotate-half', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        rope(x: Tensor, rotary: Rotary) {
          // de-interleave → rotate-half → re-interleave is the interleaved convention
          ropeDims(x, rotary);
          const d = x.shape[3]!;
          const src = referenceData(x);
          const perm = new Float32Array(src.length);
          for (let o = 0; o < src.length; o += d) {
            for (let i = 0; i < d / 2; i++) {
              perm[o + i] = src[o + 2 * i]!;
              perm[o + i + d / 2] = src[o + 2 * i + 1]!;
            }
          }
          const p = b.upload(perm, x.shape);
          const y = b.rope(p, rotary);
          const out = referenceData(y).slice();
          b.dispose([p, y]);
          const back = new Float32Array(out.length);
          for (let o = 0; o < out.length; o += d) {
            for (let i = 0; i < d / 2; i++) {
              back[o + 2 * i] = out[o + i]!;
              back[o + 2 * i + 1] = out[o + i + d / 2]!;
            }
          }
          return b.upload(back, x.shape);
        },
      })),
    );
    expect(failedOps(report)).toEqual(['decoder', 'rope']);
    // d = 2 is the same in both conventions; every other rope case must fail
    expect(
      report.outcomes.filter((o) => o.op === 'rope' && o.status === 'passed').map((o) => o.name),
    ).toEqual(['rope [1,1,1,2] tables-shared θ=10000']);
  });

  it('attention that ignores the padding mask', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}) {
          attentionDims(q, k, v, options);
          const { mask: _ignored, ...rest } = options;
          return b.attention(q, k, v, rest);
        },
      })),
    );
    expect(failedOps(report)).toEqual(['attention', 'decoder']);
    expect(
      report.outcomes
        .filter((o) => o.status === 'failed' && o.op === 'attention')
        .map((o) => o.name),
    ).toEqual([
      'attention b2 s6 t6 hq4 hkv2 d8 causal: left padding: fully masked rows give zeros',
      'attention b2 s5 t5 hq2 hkv2 d12 causal: right padding',
      'attention b1 s4 t4 hq2 hkv1 d6: all keys masked',
    ]);
  });

  it('attention that maps query head h to key head h mod hkv (wrong GQA grouping)', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}) {
          attentionDims(q, k, v, options);
          const [bq, , hq, d] = q.shape as [number, number, number, number];
          const hkv = k.shape[2]!;
          const group = hq / hkv;
          // expand k/v to hq heads with the wrong mapping, then run plain multi-head attention
          const expand = (x: Tensor) => {
            const t = x.shape[1]!;
            const src = referenceData(x);
            const out = new Float32Array(bq * t * hq * d);
            for (let r = 0; r < bq * t; r++) {
              for (let h = 0; h < hq; h++)
                out.set(
                  src.subarray((r * hkv + (h % hkv)) * d, (r * hkv + (h % hkv)) * d + d),
                  (r * hq + h) * d,
                );
            }
            return b.upload(out, [bq, t, hq, d]);
          };
          if (group === 1) return b.attention(q, k, v, options);
          const ke = expand(k);
          const ve = expand(v);
          const y = b.attention(q, ke, ve, options);
          b.dispose([ke, ve]);
          return y;
        },
      })),
    );
    expect(failedOps(report)).toEqual(['attention', 'decoder']);
    const failed = report.outcomes.filter((o) => o.status === 'failed').map((o) => o.name);
    expect(failed.some((n) => n.includes('GQA group 2'))).toBe(true);
    // with one key/value head (MQA) both mappings agree
    expect(failed.some((n) => n.includes('GQA group 4'))).toBe(false);
  });

  it('attention that returns NaN for fully masked rows', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}) {
          const y = b.attention(q, k, v, options);
          const data = referenceData(y);
          const d = q.shape[3]!;
          for (let o = 0; o < data.length; o += d) {
            if (data.subarray(o, o + d).every((x) => x === 0)) data.fill(Number.NaN, o, o + d);
          }
          return y;
        },
      })),
    );
    expect(failedOps(report)).toEqual(['attention', 'decoder']);
  });

  it('logSoftmax and crossEntropy without max subtraction overflow on large logits', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        logSoftmax(x: Tensor) {
          const v = x.shape[x.shape.length - 1]!;
          const src = referenceData(x);
          const out = new Float32Array(src.length);
          for (let r = 0; r < src.length / v; r++) {
            let s = 0;
            for (let i = 0; i < v; i++) s = Math.fround(s + Math.fround(Math.exp(src[r * v + i]!)));
            for (let i = 0; i < v; i++) out[r * v + i] = src[r * v + i]! - Math.log(s);
          }
          return b.upload(out, x.shape);
        },
      })),
    );
    expect(failedOps(report)).toEqual(['logSoftmax']);
    expect(
      report.outcomes.filter((o) => o.status === 'failed').every((o) => o.name.includes('around')),
    ).toBe(true);
  });

  it('matmul in bfloat16 fails; TF32 passes only when the backend declares u = 2^-11', async () => {
    const lowPrecision = (bits: number, u: number) =>
      mutant((b) => ({
        capabilities: {
          ...b.capabilities,
          precision: { unitRoundoff: u, notes: `${bits}-bit mantissa matmul` },
        },
        matmul(a: Tensor, w: Tensor, options = {}) {
          const ra = b.upload(roundMantissa(referenceData(a), bits), a.shape);
          const rw = b.upload(roundMantissa(referenceData(w), bits), w.shape);
          const y = b.matmul(ra, rw, options);
          b.dispose([ra, rw]);
          return y;
        },
      }));
    const only = { skip: (c: { op: string }) => c.op !== 'matmul' };
    const bf16 = await checkBackend(lowPrecision(8, 2 ** -24), only);
    expect(bf16.failed).toBeGreaterThan(5);
    const tf32Undeclared = await checkBackend(lowPrecision(11, 2 ** -24), only);
    expect(tf32Undeclared.failed).toBeGreaterThan(5);
    const tf32Declared = await checkBackend(lowPrecision(11, 2 ** -11), only);
    expect(failures(tf32Declared)).toBe('');
  });

  it('rmsNorm that drops the weight, swiglu that swaps gate and up', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        rmsNorm(x: Tensor, weight: Tensor, eps: number) {
          rmsNormDims(x, weight, eps);
          const ones = b.fill(weight.shape, 1);
          const y = b.rmsNorm(x, ones, eps);
          ones.dispose();
          return y;
        },
        swiglu(gate: Tensor, up: Tensor) {
          checkSameShape('swiglu', gate, up);
          return b.swiglu(up, gate);
        },
      })),
    );
    expect(failedOps(report)).toEqual(['decoder', 'rmsNorm', 'swiglu']);
  });

  it('a scatterUpdate that writes nothing, and one that accepts duplicates', async () => {
    const noop = await checkBackend(mutant(() => ({ scatterUpdate() {} })));
    expect(failedOps(noop)).toEqual(['scatterUpdate']);
    const lax = await checkBackend(
      mutant((b) => ({
        scatterUpdate(w: Tensor, indices: Uint32Array, values: Float32Array) {
          const data = referenceData(w);
          for (let i = 0; i < Math.min(indices.length, values.length); i++) {
            if (indices[i]! < data.length) data[indices[i]!] = values[i]!;
          }
          void b;
        },
      })),
    );
    expect(failedOps(lax)).toEqual(['scatterUpdate']);
  });

  it('leaks: an op that keeps a temporary, and a scope that disposes nothing', async () => {
    const leakyAdd = await checkBackend(
      mutant((b) => ({
        add(x: Tensor, y: Tensor) {
          b.keep(b.fill([4]));
          return b.add(x, y);
        },
      })),
    );
    expect(failedOps(leakyAdd)).toEqual(['add', 'decoder', 'errors', 'lifetime']);
    expect(
      leakyAdd.outcomes
        .filter((o) => o.op === 'add')
        .every((o) => o.status === 'failed' && o.message?.includes('leaked 1 tensors')),
    ).toBe(true);
    const noScope = await checkBackend(mutant(() => ({ scope: <R>(fn: () => R) => fn() })));
    expect(failedOps(noScope)).toEqual(['decoder', 'lifetime']);
  });

  it('shape errors that are not TensorErrors', async () => {
    const report = await checkBackend(
      mutant((b) => ({
        matmul(a: Tensor, w: Tensor, options = {}) {
          try {
            return b.matmul(a, w, options);
          } catch {
            throw new RangeError('bad shapes');
          }
        },
      })),
    );
    expect(failedOps(report)).toEqual(['errors']);
  });
});
