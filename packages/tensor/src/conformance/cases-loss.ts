import { oracleCrossEntropy, oracleEmbedding, oracleLogSoftmax, oracleSum } from '../oracle.js';
import { type ConformanceCase, fromValues, randomInput } from './case.js';
import { expectClose, maxAbs } from './compare.js';

/**
 * Tolerances: embedding is exact (a copy). logSoftmax / crossEntropy: u·(8·max|x| + 2V + 16)
 * absolute — a float32 input of magnitude X carries u·X of rounding through x − max, and the
 * sum of V exponentials adds V·u relatively to its log. sum: (n + 2)·u·Σ|x|.
 */

const embeddingCases: ConformanceCase[] = [
  { table: [1, 1], ids: [0], idsShape: [1] },
  { table: [10, 7], ids: [9, 0, 3, 3, 9, 1], idsShape: [2, 3] },
  { table: [50, 33], ids: [49], idsShape: [1, 1] },
].map(({ table, ids, idsShape }) => ({
  name: `embedding [${table}] ids [${idsShape}]`,
  op: 'embedding',
  async run(ctx) {
    const T = randomInput(ctx, table, 5);
    const idArray = Uint32Array.from(ids);
    const got = ctx.own(ctx.backend.embedding(T.tensor, idArray, idsShape));
    await expectClose(
      ctx.backend,
      this.name,
      got,
      oracleEmbedding(T.f64, table[1]!, idArray),
      [...idsShape, table[1]!],
      {
        rel: 0,
        abs: 0,
      },
    );
  },
}));

function logitValues(
  ctx: Parameters<ConformanceCase['run']>[0],
  size: number,
  offset: number,
  range: number,
): Float32Array {
  const x = ctx.random.floats(size, range);
  for (let i = 0; i < size; i++) x[i] = x[i]! + offset;
  return x;
}

const softmaxShapes: { shape: number[]; offset: number; range: number }[] = [
  { shape: [1, 1], offset: 0, range: 1 },
  { shape: [3, 11], offset: 0, range: 4 },
  { shape: [2, 3, 7], offset: 0, range: 4 },
  { shape: [2, 5000], offset: 0, range: 8 },
  { shape: [2, 9], offset: 1e4, range: 10 },
  { shape: [2, 9], offset: -1e4, range: 10 },
];

const logSoftmaxCases: ConformanceCase[] = softmaxShapes.map(({ shape, offset, range }) => ({
  name: `logSoftmax [${shape}]${offset !== 0 ? ` logits around ${offset}` : ''}`,
  op: 'logSoftmax',
  async run(ctx) {
    const v = shape[shape.length - 1]!;
    const size = shape.reduce((a, b) => a * b, 1);
    const X = fromValues(ctx, logitValues(ctx, size, offset, range), shape);
    const got = ctx.own(ctx.backend.logSoftmax(X.tensor));
    await expectClose(ctx.backend, this.name, got, oracleLogSoftmax(X.f64, v), shape, {
      rel: 0,
      abs: ctx.u * (8 * maxAbs(X.f32) + 2 * v + 16),
    });
  },
}));

const crossEntropyShapes: { shape: number[]; rows: number[]; targets: number[]; offset: number }[] =
  [
    { shape: [1, 1], rows: [0], targets: [0], offset: 0 },
    { shape: [2, 3, 11], rows: [0, 1, 2, 4, 5], targets: [10, 0, 5, 5, 3], offset: 0 },
    { shape: [4, 17], rows: [3, 3, 0], targets: [16, 2, 0], offset: 0 },
    { shape: [2, 32000], rows: [1, 0], targets: [31999, 17], offset: 0 },
    { shape: [3, 6], rows: [0, 1, 2], targets: [1, 2, 3], offset: 3e4 },
  ];

const crossEntropyCases: ConformanceCase[] = crossEntropyShapes.map(
  ({ shape, rows, targets, offset }) => ({
    name: `crossEntropy [${shape}] at ${rows.length} rows${offset !== 0 ? ` logits around ${offset}` : ''}`,
    op: 'crossEntropy',
    async run(ctx) {
      const v = shape[shape.length - 1]!;
      const size = shape.reduce((a, b) => a * b, 1);
      const X = fromValues(ctx, logitValues(ctx, size, offset, 6), shape);
      const r = Uint32Array.from(rows);
      const t = Uint32Array.from(targets);
      const got = ctx.own(ctx.backend.crossEntropy(X.tensor, r, t));
      await expectClose(
        ctx.backend,
        this.name,
        got,
        oracleCrossEntropy(X.f64, v, r, t),
        [rows.length],
        {
          rel: 0,
          abs: ctx.u * (8 * maxAbs(X.f32) + 2 * v + 16),
        },
      );
    },
  }),
);

const sumCases: ConformanceCase[] = [[1], [1000], [3, 7, 5]].map((shape) => ({
  name: `sum [${shape}]`,
  op: 'sum',
  async run(ctx) {
    const X = randomInput(ctx, shape, 3);
    const got = ctx.own(ctx.backend.sum(X.tensor));
    const magnitude = oracleSum(X.f64.map(Math.abs));
    await expectClose(ctx.backend, this.name, got, Float64Array.of(oracleSum(X.f64)), [], {
      rel: 0,
      abs: (X.f64.length + 2) * ctx.u * magnitude,
    });
  },
}));

export const lossCases: readonly ConformanceCase[] = [
  ...embeddingCases,
  ...logSoftmaxCases,
  ...crossEntropyCases,
  ...sumCases,
];
