import { oracleLogSoftmax } from '../oracle.js';
import { type ConformanceCase, randomInput } from './case.js';
import { expectClose, fail } from './compare.js';

/** Analytic gradients, only for backends with `capabilities.gradients`. */
export const gradientCases: readonly ConformanceCase[] = [
  {
    name: 'gradients: d/dx sum(3·(x ⊙ w)) = 3w, d/dw = 3x',
    op: 'valueAndGradients',
    requires: 'gradients',
    async run(ctx) {
      const b = ctx.backend;
      const X = randomInput(ctx, [4, 5]);
      const W = randomInput(ctx, [4, 5]);
      const { value, gradients } = b.valueAndGradients(
        () => b.sum(b.scale(b.mul(X.tensor, W.tensor), 3)),
        [X.tensor, W.tensor],
      );
      ctx.own(value);
      for (const g of gradients) ctx.own(g);
      if (gradients.length !== 2) fail(`got ${gradients.length} gradients, expected 2`);
      const tol = { rel: 168 * ctx.u, abs: 0 };
      await expectClose(
        b,
        'd/dx',
        gradients[0]!,
        W.f64.map((w) => 3 * w),
        [4, 5],
        tol,
      );
      await expectClose(
        b,
        'd/dw',
        gradients[1]!,
        X.f64.map((x) => 3 * x),
        [4, 5],
        tol,
      );
    },
  },
  {
    name: 'gradients: d/dlogits sum(crossEntropy) = softmax − one-hot at the selected rows',
    op: 'valueAndGradients',
    requires: 'gradients',
    async run(ctx) {
      const b = ctx.backend;
      const L = randomInput(ctx, [3, 7], 3);
      const rows = Uint32Array.of(0, 2, 2);
      const targets = Uint32Array.of(6, 1, 4);
      const { value, gradients } = b.valueAndGradients(
        () => b.sum(b.crossEntropy(L.tensor, rows, targets)),
        [L.tensor],
      );
      ctx.own(value);
      for (const g of gradients) ctx.own(g);
      const logp = oracleLogSoftmax(L.f64, 7);
      const expected = new Float64Array(21);
      for (let i = 0; i < rows.length; i++) {
        for (let j = 0; j < 7; j++)
          expected[rows[i]! * 7 + j]! += Math.exp(logp[rows[i]! * 7 + j]!);
        expected[rows[i]! * 7 + targets[i]!]! -= 1;
      }
      await expectClose(b, 'd/dlogits', gradients[0]!, expected, [3, 7], {
        rel: 0,
        abs: 64 * ctx.u,
      });
    },
  },
];
