import type { Tensor } from '../backend.js';
import { type ConformanceCase, randomInput } from './case.js';
import { expectTensorError, fail } from './compare.js';

/** Bad input gets a typed error with a stable code, never a silent wrong answer. */
export const errorCases: readonly ConformanceCase[] = [
  {
    name: 'capabilities are well formed',
    op: 'errors',
    async run(ctx) {
      const { name, capabilities: c } = ctx.backend;
      if (!/^[a-z0-9-]+:[a-z0-9-]+$/.test(name)) fail(`name '${name}' is not 'family:variant'`);
      if (typeof c.gradients !== 'boolean' || typeof c.float16 !== 'boolean')
        fail('gradients/float16 must be booleans');
      if (c.device !== 'gpu' && c.device !== 'cpu') fail(`device '${String(c.device)}'`);
      const u = c.precision.unitRoundoff;
      if (!(u > 0 && u <= 2 ** -10)) fail(`unitRoundoff ${u} must be in (0, 2^-10]`);
      if (typeof c.precision.notes !== 'string') fail('precision.notes must be a string');
      if (!c.gradients) {
        expectTensorError('valueAndGradients without gradients', 'TENSOR_UNSUPPORTED', () =>
          ctx.backend.valueAndGradients(() => ctx.backend.fill([]), []),
        );
      }
    },
  },
  {
    name: 'shape errors are TENSOR_SHAPE_MISMATCH',
    op: 'errors',
    async run(ctx) {
      const b = ctx.backend;
      const code = 'TENSOR_SHAPE_MISMATCH';
      const a = randomInput(ctx, [2, 3]).tensor;
      const q = randomInput(ctx, [1, 2, 3, 4]).tensor;
      const kv = randomInput(ctx, [1, 2, 2, 4]).tensor;
      const w = randomInput(ctx, [4]).tensor;
      expectTensorError('matmul inner dims', code, () => b.matmul(a, a));
      expectTensorError('matmul transposeB inner dims', code, () =>
        b.matmul(a, w, { transposeB: true }),
      );
      expectTensorError('add broadcast', code, () => b.add(a, w));
      expectTensorError('swiglu shapes', code, () => b.swiglu(a, w));
      expectTensorError('rmsNorm weight', code, () => b.rmsNorm(a, w, 1e-6));
      expectTensorError('rope rank', code, () =>
        b.rope(a, { positions: Uint32Array.of(0, 1), theta: 10000 }),
      );
      expectTensorError('rope positions length', code, () =>
        b.rope(q, { positions: Uint32Array.of(0, 1, 2), theta: 1e4 }),
      );
      expectTensorError('attention heads 3 vs 2', code, () => b.attention(q, kv, kv));
      expectTensorError('attention mask shape', code, () => b.attention(kv, kv, kv, { mask: a }));
      expectTensorError('crossEntropy lengths', code, () =>
        b.crossEntropy(a, Uint32Array.of(0), Uint32Array.of(0, 1)),
      );
    },
  },
  {
    name: 'bad arguments are TENSOR_INVALID_ARGUMENT; foreign handles are TENSOR_FOREIGN',
    op: 'errors',
    async run(ctx) {
      const b = ctx.backend;
      const code = 'TENSOR_INVALID_ARGUMENT';
      const table = randomInput(ctx, [5, 3]).tensor;
      expectTensorError('embedding id out of range', code, () =>
        b.embedding(table, Uint32Array.of(5), [1]),
      );
      expectTensorError('crossEntropy target out of range', code, () =>
        b.crossEntropy(table, Uint32Array.of(0), Uint32Array.of(3)),
      );
      expectTensorError('crossEntropy row out of range', code, () =>
        b.crossEntropy(table, Uint32Array.of(5), Uint32Array.of(0)),
      );
      expectTensorError('negative shape', code, () => b.fill([2, -1]));
      expectTensorError('scale by NaN', code, () => b.scale(table, Number.NaN));
      expectTensorError('rmsNorm negative eps', code, () =>
        b.rmsNorm(table, randomInput(ctx, [3]).tensor, -1),
      );
      const foreign: Tensor = {
        shape: [5, 3],
        dtype: 'float32',
        size: 15,
        backend: 'other:backend',
        isDisposed: false,
        dispose() {},
      };
      expectTensorError('foreign tensor', 'TENSOR_FOREIGN', () => b.add(table, foreign));
    },
  },
];
