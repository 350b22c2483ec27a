import {
  oracleBroadcast,
  oracleMap,
  oracleMatmul,
  oracleRmsNorm,
  oracleRope,
  oracleRopeTables,
  oracleSilu,
} from '../oracle.js';
import { matmulDims, ropeDims } from '../shapes.js';
import { type ConformanceCase, fromValues, randomInput } from './case.js';
import { expectClose, maxAbs } from './compare.js';

/**
 * Tolerances (u = declared unit roundoff × toleranceScale; 168u ≈ 1e-5 at float32):
 * - matmul: |err_ij| ≤ (k + 2)·u·Σ_q |a_iq|·|b_qj| — the classical bound for any summation order.
 * - add/mul/scale/silu/swiglu: 168u relative (each is one or a few roundings, exp included).
 * - rmsNorm: (h + 168)·u relative (a sum of h squares, then a few roundings).
 * - rope: 16u·max|x| with tables; + 4u·maxPosition·max|x| with positions (float32 angles).
 */

const ELEMENTWISE_UNITS = 168;

interface MatmulShape {
  a: number[];
  b: number[];
  transposeB: boolean;
  range?: number;
}

const matmulShapes: MatmulShape[] = [
  { a: [1, 1], b: [1, 1], transposeB: false },
  { a: [3, 5], b: [5, 7], transposeB: false },
  { a: [1, 17], b: [33, 17], transposeB: true },
  { a: [6, 1], b: [1, 9], transposeB: false },
  { a: [1, 5, 24], b: [13, 24], transposeB: true },
  { a: [3, 4, 9], b: [3, 9, 6], transposeB: false },
  { a: [2, 3, 10], b: [2, 11, 10], transposeB: true },
  { a: [4, 6], b: [2, 6, 5], transposeB: false },
  { a: [2, 4096], b: [3, 4096], transposeB: true },
  { a: [19, 33], b: [31, 33], transposeB: true, range: 100 },
];

const matmulCases: ConformanceCase[] = matmulShapes.map(({ a, b, transposeB, range = 1 }) => ({
  name: `matmul [${a}] x [${b}]${transposeB ? 'ᵀ' : ''}${range !== 1 ? ` range ${range}` : ''}`,
  op: 'matmul',
  async run(ctx) {
    const A = randomInput(ctx, a, range);
    const B = randomInput(ctx, b, range);
    const dims = matmulDims(A.tensor, B.tensor, { transposeB });
    const expected = oracleMatmul(A.f64, B.f64, dims);
    const magnitude = oracleMatmul(A.f64.map(Math.abs), B.f64.map(Math.abs), dims);
    const got = ctx.own(ctx.backend.matmul(A.tensor, B.tensor, { transposeB }));
    await expectClose(ctx.backend, this.name, got, expected, dims.outShape, {
      rel: 0,
      abs: (i) => (dims.k + 2) * ctx.u * magnitude[i]!,
    });
  },
}));

const broadcastShapes: [number[], number[]][] = [
  [[1], [1]],
  [
    [3, 7],
    [3, 7],
  ],
  [[2, 3, 5], [5]],
  [
    [2, 3, 5],
    [3, 5],
  ],
  [[4, 9], []],
];

const elementwiseCases: ConformanceCase[] = broadcastShapes.flatMap(([sa, sb]) =>
  (['add', 'mul'] as const).map((op) => ({
    name: `${op} [${sa}] and [${sb}]`,
    op,
    async run(ctx) {
      const A = randomInput(ctx, sa, 3);
      const B = randomInput(ctx, sb, 3);
      const expected = oracleBroadcast(
        A.f64,
        B.f64,
        op === 'add' ? (x, y) => x + y : (x, y) => x * y,
      );
      const got = ctx.own(ctx.backend[op](A.tensor, B.tensor));
      await expectClose(ctx.backend, this.name, got, expected, sa, {
        rel: ELEMENTWISE_UNITS * ctx.u,
        abs: 0,
      });
    },
  })),
);

const unaryCases: ConformanceCase[] = [
  {
    name: 'scale [5, 13] by -0.37',
    op: 'scale',
    async run(ctx) {
      const X = randomInput(ctx, [5, 13], 10);
      const got = ctx.own(ctx.backend.scale(X.tensor, -0.37));
      const expected = oracleMap(X.f64, (x) => x * -0.37);
      await expectClose(ctx.backend, this.name, got, expected, [5, 13], {
        rel: ELEMENTWISE_UNITS * ctx.u,
        abs: 0,
      });
    },
  },
  {
    name: 'silu [7, 11] in [-8, 8] and edge values',
    op: 'silu',
    async run(ctx) {
      const values = ctx.random.floats(77, 8);
      values.set([0, -0, 1e-6, -1e-6, 30, -30, 80, -80, 100, -100]);
      const X = fromValues(ctx, values, [7, 11]);
      const got = ctx.own(ctx.backend.silu(X.tensor));
      await expectClose(ctx.backend, this.name, got, oracleMap(X.f64, oracleSilu), [7, 11], {
        rel: ELEMENTWISE_UNITS * ctx.u,
        abs: 1e-30,
      });
    },
  },
  ...[[1], [3, 37]].map(
    (shape) =>
      ({
        name: `swiglu [${shape}]`,
        op: 'swiglu',
        async run(ctx) {
          const G = randomInput(ctx, shape, 6);
          const U = randomInput(ctx, shape, 2);
          const got = ctx.own(ctx.backend.swiglu(G.tensor, U.tensor));
          const expected = oracleBroadcast(G.f64, U.f64, (g, x) => oracleSilu(g) * x);
          await expectClose(ctx.backend, this.name, got, expected, shape, {
            rel: ELEMENTWISE_UNITS * ctx.u,
            abs: 1e-30,
          });
        },
      }) satisfies ConformanceCase,
  ),
];

const rmsNormShapes: [number[], number][] = [
  [[1, 1], 1e-6],
  [[3, 7], 1e-5],
  [[2, 5, 64], 1e-6],
  [[4, 333], 1e-6],
];

const rmsNormCases: ConformanceCase[] = [
  ...rmsNormShapes.map(([shape, eps]) => ({
    name: `rmsNorm [${shape}] eps ${eps}`,
    op: 'rmsNorm',
    async run(ctx: Parameters<ConformanceCase['run']>[0]) {
      const h = shape[shape.length - 1]!;
      const X = randomInput(ctx, shape, 4);
      const W = randomInput(ctx, [h], 2);
      const got = ctx.own(ctx.backend.rmsNorm(X.tensor, W.tensor, eps));
      await expectClose(ctx.backend, this.name, got, oracleRmsNorm(X.f64, W.f64, eps), shape, {
        rel: (h + ELEMENTWISE_UNITS) * ctx.u,
        abs: 1e-30,
      });
    },
  })),
  {
    name: 'rmsNorm: a zero row stays zero, tiny and huge rows normalise',
    op: 'rmsNorm',
    async run(ctx) {
      const values = new Float32Array(3 * 8);
      for (let i = 0; i < 8; i++) {
        values[8 + i] = (i - 3.5) * 1e-3;
        values[16 + i] = (i - 3.5) * 1e15;
      }
      const X = fromValues(ctx, values, [3, 8]);
      const W = randomInput(ctx, [8], 1);
      const got = ctx.own(ctx.backend.rmsNorm(X.tensor, W.tensor, 1e-6));
      await expectClose(ctx.backend, this.name, got, oracleRmsNorm(X.f64, W.f64, 1e-6), [3, 8], {
        rel: (8 + ELEMENTWISE_UNITS) * ctx.u,
        abs: 1e-30,
      });
    },
  },
];

interface RopeShape {
  x: [number, number, number, number];
  mode: 'tables-shared' | 'tables-batched' | 'positions-shared' | 'positions-batched';
  theta: number;
  maxPosition: number;
}

const ropeShapes: RopeShape[] = [
  { x: [1, 1, 1, 2], mode: 'tables-shared', theta: 10000, maxPosition: 4 },
  { x: [2, 5, 3, 8], mode: 'tables-batched', theta: 10000, maxPosition: 40 },
  { x: [1, 6, 2, 64], mode: 'positions-shared', theta: 10000, maxPosition: 4000 },
  { x: [2, 4, 3, 16], mode: 'positions-batched', theta: 1e6, maxPosition: 100 },
  { x: [3, 7, 1, 6], mode: 'positions-batched', theta: 500000, maxPosition: 9 },
];

const ropeCases: ConformanceCase[] = ropeShapes.map(({ x, mode, theta, maxPosition }) => ({
  name: `rope [${x}] ${mode} θ=${theta}`,
  op: 'rope',
  async run(ctx) {
    const [b, s, , d] = x;
    const X = randomInput(ctx, x, 2);
    const batched = mode.endsWith('batched');
    const n = batched ? b * s : s;
    // Positions like left padding: each batch row starts at its own offset.
    const positions = Uint32Array.from({ length: n }, (_, i) =>
      Math.min(
        maxPosition,
        (i % s) + (batched ? Math.floor(i / s) * 3 : 0) + (maxPosition > 100 ? maxPosition - s : 0),
      ),
    );
    const tables = oracleRopeTables(positions, d, theta);
    let rotary: Parameters<typeof ctx.backend.rope>[1];
    let abs = 16 * ctx.u * maxAbs(X.f32);
    if (mode.startsWith('tables')) {
      const tableShape = batched ? [b, s, d / 2] : [s, d / 2];
      rotary = {
        cos: fromValues(ctx, Float32Array.from(tables.cos), tableShape).tensor,
        sin: fromValues(ctx, Float32Array.from(tables.sin), tableShape).tensor,
      };
      // the expectation uses the float32 tables the backend got
      tables.cos.set(Float32Array.from(tables.cos));
      tables.sin.set(Float32Array.from(tables.sin));
    } else {
      rotary = { positions, theta };
      abs += 4 * ctx.u * maxPosition * maxAbs(X.f32);
    }
    const dims = ropeDims(X.tensor, rotary);
    const got = ctx.own(ctx.backend.rope(X.tensor, rotary));
    await expectClose(
      ctx.backend,
      this.name,
      got,
      oracleRope(X.f64, tables.cos, tables.sin, dims),
      x,
      {
        rel: 0,
        abs,
      },
    );
  },
}));

export const mathCases: readonly ConformanceCase[] = [
  ...matmulCases,
  ...elementwiseCases,
  ...unaryCases,
  ...rmsNormCases,
  ...ropeCases,
];
