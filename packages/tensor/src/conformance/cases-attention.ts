import { oracleAttention } from '../oracle.js';
import { attentionDims } from '../shapes.js';
import { type CaseContext, type ConformanceCase, fromValues, randomInput } from './case.js';
import { expectClose, maxAbs } from './compare.js';

/**
 * Tolerance: |err| ≤ u·max|v|·(4(d + 2)·S + 4t + 32), where S = scale·max Σ_i |q_i|·|k_i| bounds
 * the score magnitude: a score is a length-d reduction whose error moves the softmax weights
 * by that much relatively, and the output is a length-t weighted sum of v.
 */

interface AttentionShape {
  b: number;
  s: number;
  t: number;
  hq: number;
  hkv: number;
  d: number;
  causal: boolean;
  /** Key mask rows (1 attend, 0 pad), one string per batch row, e.g. '001111'. */
  mask?: string[];
  range?: number;
  scale?: number;
  note?: string;
}

const shapes: AttentionShape[] = [
  { b: 1, s: 1, t: 1, hq: 1, hkv: 1, d: 1, causal: true },
  { b: 2, s: 5, t: 5, hq: 4, hkv: 2, d: 8, causal: true, note: 'GQA group 2' },
  { b: 1, s: 7, t: 7, hq: 4, hkv: 1, d: 16, causal: true, note: 'GQA group 4 (MQA)' },
  { b: 1, s: 3, t: 6, hq: 3, hkv: 3, d: 5, causal: false, note: 'group 1, not causal' },
  { b: 2, s: 2, t: 6, hq: 2, hkv: 1, d: 4, causal: true, note: 'queries after a 4-token cache' },
  {
    b: 2,
    s: 6,
    t: 6,
    hq: 4,
    hkv: 2,
    d: 8,
    causal: true,
    mask: ['001111', '111111'],
    note: 'left padding: fully masked rows give zeros',
  },
  {
    b: 2,
    s: 5,
    t: 5,
    hq: 2,
    hkv: 2,
    d: 12,
    causal: true,
    mask: ['11100', '11111'],
    note: 'right padding',
  },
  { b: 1, s: 4, t: 4, hq: 2, hkv: 1, d: 6, causal: false, mask: ['0000'], note: 'all keys masked' },
  { b: 1, s: 5, t: 5, hq: 2, hkv: 1, d: 16, causal: true, range: 30, note: 'large scores (≈3600)' },
  { b: 1, s: 1, t: 300, hq: 2, hkv: 1, d: 64, causal: true, note: 'decode step, long keys' },
  { b: 1, s: 3, t: 3, hq: 1, hkv: 1, d: 9, causal: true, scale: 0.05, note: 'explicit scale' },
];

async function runShape(ctx: CaseContext, name: string, shape: AttentionShape): Promise<void> {
  const { b, s, t, hq, hkv, d, causal, mask, range = 1, scale } = shape;
  const Q = randomInput(ctx, [b, s, hq, d], range);
  const K = randomInput(ctx, [b, t, hkv, d], range);
  const V = randomInput(ctx, [b, t, hkv, d], 2);
  const M =
    mask === undefined
      ? undefined
      : fromValues(
          ctx,
          Float32Array.from(mask.join(''), (c) => Number(c)),
          [b, t],
        );
  const options = {
    causal,
    ...(M === undefined ? {} : { mask: M.tensor }),
    ...(scale === undefined ? {} : { scale }),
  };
  const dims = attentionDims(Q.tensor, K.tensor, V.tensor, options);
  const expected = oracleAttention(Q.f64, K.f64, V.f64, M?.f64, dims);
  const scoreMagnitude = dims.scale * d * maxAbs(Q.f32) * maxAbs(K.f32);
  const got = ctx.own(ctx.backend.attention(Q.tensor, K.tensor, V.tensor, options));
  await expectClose(ctx.backend, name, got, expected, [b, s, hq, d], {
    rel: 0,
    abs: ctx.u * maxAbs(V.f32) * (4 * (d + 2) * scoreMagnitude + 4 * t + 32),
  });
}

export const attentionCases: readonly ConformanceCase[] = shapes.map((shape) => {
  const { b, s, t, hq, hkv, d, causal, note } = shape;
  return {
    name: `attention b${b} s${s} t${t} hq${hq} hkv${hkv} d${d}${causal ? ' causal' : ''}${note ? `: ${note}` : ''}`,
    op: 'attention',
    run(ctx) {
      return runShape(ctx, this.name, shape);
    },
  };
});
