import type { Tensor } from '../backend.js';
import { isTensorError } from '../errors.js';
import { type ConformanceCase, randomInput } from './case.js';
import {
  expectClose,
  expectTensorError,
  expectTensorErrorAsync,
  fail,
  toFloat64,
} from './compare.js';

/** Data movement, in-place sparse updates, disposal and scopes. All exact. */

function live(ctx: Parameters<ConformanceCase['run']>[0]): number {
  return ctx.backend.memory().tensors;
}

export const lifetimeCases: readonly ConformanceCase[] = [
  {
    name: 'upload/download round trip is exact, download is a copy',
    op: 'upload',
    async run(ctx) {
      const values = Float32Array.of(
        0,
        -0,
        1,
        -1.5,
        3.4028234663852886e38,
        1.401298464324817e-45,
        1e-30,
        123.456,
      );
      const t = ctx.own(ctx.backend.upload(values, [2, 4]));
      values[0] = 99; // the backend copied on upload
      const a = await ctx.backend.download(t);
      a[1] = 7; // and copies on download
      const b = await ctx.backend.download(t);
      if (b[0] !== 0 || !Object.is(b[1], -0) || b[7] !== values[7]) {
        fail(`round trip changed values: got [${Array.from(b)}]`);
      }
      if (t.size !== 8 || t.dtype !== 'float32' || t.backend !== ctx.backend.name) {
        fail(`tensor metadata: size ${t.size}, dtype ${t.dtype}, backend ${t.backend}`);
      }
    },
  },
  {
    name: 'fill, reshape and a scalar',
    op: 'reshape',
    async run(ctx) {
      const f = ctx.own(ctx.backend.fill([2, 3], 2.5));
      await expectClose(ctx.backend, 'fill', f, new Float64Array(6).fill(2.5), [2, 3], {
        rel: 0,
        abs: 0,
      });
      const z = ctx.own(ctx.backend.fill([4]));
      await expectClose(ctx.backend, 'fill default', z, new Float64Array(4), [4], {
        rel: 0,
        abs: 0,
      });
      const X = randomInput(ctx, [2, 3, 4]);
      const r = ctx.own(ctx.backend.reshape(X.tensor, [6, 1, 4]));
      await expectClose(ctx.backend, 'reshape', r, X.f64, [6, 1, 4], { rel: 0, abs: 0 });
      r.dispose();
      await expectClose(
        ctx.backend,
        'source after disposing the reshape',
        X.tensor,
        X.f64,
        [2, 3, 4],
        { rel: 0, abs: 0 },
      );
      const s = ctx.own(ctx.backend.upload(Float32Array.of(4), []));
      await expectClose(ctx.backend, 'scalar', s, Float64Array.of(4), [], { rel: 0, abs: 0 });
      expectTensorError('reshape to a different size', 'TENSOR_SHAPE_MISMATCH', () =>
        ctx.backend.reshape(X.tensor, [5, 5]),
      );
      expectTensorError('upload with a wrong length', 'TENSOR_SHAPE_MISMATCH', () =>
        ctx.backend.upload(new Float32Array(5), [2, 3]),
      );
    },
  },
  {
    name: 'scatterUpdate overwrites entries in place; earlier results keep their values',
    op: 'scatterUpdate',
    async run(ctx) {
      const W = randomInput(ctx, [37, 29]);
      const copy = ctx.own(ctx.backend.scale(W.tensor, 1));
      const indices = ctx.random.distinct(100, W.f32.length);
      const values = ctx.random.floats(100, 5);
      ctx.backend.scatterUpdate(W.tensor, indices, values);
      const expected = W.f32.slice();
      for (let i = 0; i < indices.length; i++) expected[indices[i]!] = values[i]!;
      await expectClose(ctx.backend, 'updated weight', W.tensor, toFloat64(expected), [37, 29], {
        rel: 0,
        abs: 0,
      });
      await expectClose(ctx.backend, 'result computed before', copy, W.f64, [37, 29], {
        rel: 0,
        abs: 0,
      });
      ctx.backend.scatterUpdate(W.tensor, new Uint32Array(0), new Float32Array(0));
      ctx.backend.scatterUpdate(
        W.tensor,
        Uint32Array.of(0, W.f32.length - 1),
        Float32Array.of(-1, 1),
      );
      expected[0] = -1;
      expected[expected.length - 1] = 1;
      await expectClose(
        ctx.backend,
        'first and last entry',
        W.tensor,
        toFloat64(expected),
        [37, 29],
        { rel: 0, abs: 0 },
      );
      const y = ctx.own(ctx.backend.scale(W.tensor, 2));
      await expectClose(
        ctx.backend,
        'ops see the update',
        y,
        toFloat64(expected).map((x) => 2 * x),
        [37, 29],
        {
          rel: 0,
          abs: 0,
        },
      );
      const code = 'TENSOR_INVALID_ARGUMENT';
      expectTensorError('duplicate index', code, () =>
        ctx.backend.scatterUpdate(W.tensor, Uint32Array.of(3, 5, 3), new Float32Array(3)),
      );
      expectTensorError('index out of range', code, () =>
        ctx.backend.scatterUpdate(W.tensor, Uint32Array.of(W.f32.length), new Float32Array(1)),
      );
      expectTensorError('length mismatch', 'TENSOR_SHAPE_MISMATCH', () =>
        ctx.backend.scatterUpdate(W.tensor, Uint32Array.of(1, 2), new Float32Array(1)),
      );
      await expectClose(
        ctx.backend,
        'rejected updates change nothing',
        W.tensor,
        toFloat64(expected),
        [37, 29],
        {
          rel: 0,
          abs: 0,
        },
      );
    },
  },
  {
    name: 'dispose is idempotent; a disposed tensor throws TENSOR_DISPOSED; memory counts bytes',
    op: 'lifetime',
    async run(ctx) {
      const before = ctx.backend.memory();
      const t = ctx.backend.upload(new Float32Array(1000), [10, 100]);
      const during = ctx.backend.memory();
      if (during.tensors !== before.tensors + 1 || during.bytes < before.bytes + 4000) {
        fail(
          `memory after one 1000-element upload: ${JSON.stringify(during)}, before ${JSON.stringify(before)}`,
        );
      }
      const u = ctx.backend.upload(new Float32Array(2), [2]);
      t.dispose();
      t.dispose();
      ctx.backend.dispose([u, u]);
      if (!t.isDisposed || !u.isDisposed) fail('isDisposed is false after dispose');
      const after = ctx.backend.memory();
      if (after.tensors !== before.tensors || after.bytes !== before.bytes) {
        fail(
          `memory after disposing: ${JSON.stringify(after)}, expected ${JSON.stringify(before)}`,
        );
      }
      expectTensorError('scale of a disposed tensor', 'TENSOR_DISPOSED', () =>
        ctx.backend.scale(t, 2),
      );
      await expectTensorErrorAsync('download of a disposed tensor', 'TENSOR_DISPOSED', () =>
        ctx.backend.download(t),
      );
    },
  },
  {
    name: 'scope disposes intermediates and keeps what it returns (tensor, array, object, nested)',
    op: 'lifetime',
    async run(ctx) {
      const b = ctx.backend;
      const X = randomInput(ctx, [3, 4]);
      const base = live(ctx);
      const single = b.scope(() => b.scale(b.add(X.tensor, X.tensor), 0.5));
      if (live(ctx) !== base + 1) fail(`scope returning one tensor left ${live(ctx) - base} live`);
      await expectClose(b, 'scoped result', single, X.f64, [3, 4], { rel: 0, abs: 0 });
      single.dispose();
      const many = b.scope(() => {
        const a = b.scale(X.tensor, 2);
        const c = b.scale(a, 2);
        b.scale(c, 2);
        return { first: a, rest: [c, 3, 'text', null] as const, n: 1 };
      });
      if (live(ctx) !== base + 2)
        fail(`scope returning an object kept ${live(ctx) - base}, expected 2`);
      b.dispose([many.first, many.rest[0]]);
      let innerKept: Tensor | undefined;
      const outer = b.scope(() => {
        const kept = b.scope(() => {
          innerKept = b.scale(X.tensor, 3);
          return b.scale(X.tensor, 4);
        });
        if (innerKept?.isDisposed !== true) fail('nested scope did not dispose its intermediate');
        const keptForever = b.keep(b.scale(X.tensor, 5));
        b.scale(kept, 1);
        return keptForever;
      });
      if (live(ctx) !== base + 1)
        fail(`nested scopes left ${live(ctx) - base} live, expected 1 (the kept one)`);
      outer.dispose();
      if (live(ctx) !== base) fail('leak after nested scopes');
    },
  },
  {
    name: 'scope cleans up when fn throws or returns a promise',
    op: 'lifetime',
    async run(ctx) {
      const b = ctx.backend;
      const base = live(ctx);
      try {
        b.scope(() => {
          b.fill([3]);
          throw new Error('boom');
        });
        fail('scope swallowed the error');
      } catch (error) {
        if (!(error instanceof Error) || error.message !== 'boom') throw error;
      }
      if (live(ctx) !== base) fail(`a throwing scope left ${live(ctx) - base} tensors`);
      try {
        b.scope((() => {
          const t = b.fill([2]);
          return Promise.resolve(t);
        }) as unknown as () => Tensor);
        fail('scope accepted an async fn');
      } catch (error) {
        if (!isTensorError(error, 'TENSOR_INVALID_ARGUMENT')) throw error;
      }
      if (live(ctx) !== base) fail(`an async scope left ${live(ctx) - base} tensors`);
    },
  },
  {
    name: 'live tensor count stays flat over 25 repeated decoder-style steps in scopes',
    op: 'lifetime',
    async run(ctx) {
      const b = ctx.backend;
      const X = randomInput(ctx, [1, 5, 16]);
      const Wq = randomInput(ctx, [16, 16]);
      const Wkv = randomInput(ctx, [8, 16]);
      const norm = randomInput(ctx, [16]);
      const base = ctx.backend.memory();
      for (let step = 0; step < 25; step++) {
        const out = b.scope(() => {
          const h = b.rmsNorm(X.tensor, norm.tensor, 1e-6);
          const q = b.rope(b.reshape(b.matmul(h, Wq.tensor, { transposeB: true }), [1, 5, 4, 4]), {
            positions: Uint32Array.of(0, 1, 2, 3, 4),
            theta: 10000,
          });
          const k = b.reshape(b.matmul(h, Wkv.tensor, { transposeB: true }), [1, 5, 2, 4]);
          const a = b.reshape(b.attention(q, k, k), [5, 16]);
          const logits = b.matmul(a, Wq.tensor, { transposeB: true });
          const loss = b.sum(b.crossEntropy(logits, Uint32Array.of(0, 4), Uint32Array.of(1, 2)));
          return b.add(loss, b.sum(b.swiglu(b.logSoftmax(logits), b.silu(logits))));
        });
        await b.download(out);
        out.dispose();
        const now = ctx.backend.memory();
        if (now.tensors !== base.tensors || now.bytes !== base.bytes) {
          fail(`after step ${step}: ${JSON.stringify(now)}, expected ${JSON.stringify(base)}`);
        }
      }
    },
  },
];
