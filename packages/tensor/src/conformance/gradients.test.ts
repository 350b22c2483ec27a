import { describe, expect, it } from 'vitest';
import type { Backend, Tensor } from '../backend.js';
import { createReferenceBackend, referenceData } from '../reference-backend.js';
import { checkBackend } from './suite.js';

/**
 * The gradient cases run only on backends with gradients, which this package does not ship.
 * To test the cases themselves, give the reference backend a tiny float64 tape for the ops
 * they use (mul, scale, sum, crossEntropy), then break it and check the cases notice.
 */

type Grad = Map<Tensor, Float64Array>;

function addInto(target: Float64Array, term: (i: number) => number): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! + term(i);
}

function withTape(base: Backend, breakCrossEntropy = false): Backend {
  const tape: ((grads: Grad) => void)[] = [];
  let recording = false;
  const acc = (grads: Grad, t: Tensor, add: (g: Float64Array) => void) => {
    let g = grads.get(t);
    if (g === undefined) {
      g = new Float64Array(t.size);
      grads.set(t, g);
    }
    add(g);
  };
  const record = (out: Tensor, backward: (g: Float64Array, grads: Grad) => void) => {
    if (recording)
      tape.push((grads) => backward(grads.get(out) ?? new Float64Array(out.size), grads));
    return out;
  };
  const patch: Partial<Backend> = {
    capabilities: { ...base.capabilities, gradients: true },
    mul: (a, b) =>
      record(base.mul(a, b), (g, grads) => {
        const A = referenceData(a);
        const B = referenceData(b);
        acc(grads, a, (ga) => addInto(ga, (i) => g[i]! * B[i]!));
        acc(grads, b, (gb) => addInto(gb, (i) => g[i]! * A[i]!));
      }),
    scale: (a, s) =>
      record(base.scale(a, s), (g, grads) => acc(grads, a, (ga) => addInto(ga, (i) => s * g[i]!))),
    sum: (x) => record(base.sum(x), (g, grads) => acc(grads, x, (gx) => addInto(gx, () => g[0]!))),
    crossEntropy: (logits, rows, targets) =>
      record(base.crossEntropy(logits, rows, targets), (g, grads) => {
        const X = referenceData(logits);
        const v = logits.shape[logits.shape.length - 1]!;
        acc(grads, logits, (gl) => {
          for (let i = 0; i < rows.length; i++) {
            const o = rows[i]! * v;
            let max = Number.NEGATIVE_INFINITY;
            for (let j = 0; j < v; j++) max = Math.max(max, X[o + j]!);
            let z = 0;
            for (let j = 0; j < v; j++) z += Math.exp(X[o + j]! - max);
            for (let j = 0; j < v; j++)
              gl[o + j] = gl[o + j]! + (g[i]! * Math.exp(X[o + j]! - max)) / z;
            if (!breakCrossEntropy) gl[o + targets[i]!] = gl[o + targets[i]!]! - g[i]!;
          }
        });
      }),
    valueAndGradients(f: () => Tensor, wrt: readonly Tensor[]) {
      const [value, ...gradients] = base.scope(() => {
        tape.length = 0;
        recording = true;
        let out: Tensor;
        try {
          out = f();
        } finally {
          recording = false;
        }
        const grads: Grad = new Map([[out, Float64Array.of(1)]]);
        for (let i = tape.length - 1; i >= 0; i--) tape[i]!(grads);
        tape.length = 0;
        return [
          out,
          ...wrt.map((w) =>
            base.upload(Float32Array.from(grads.get(w) ?? new Float64Array(w.size)), w.shape),
          ),
        ];
      });
      return { value: value!, gradients };
    },
  };
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in patch) return patch[prop as keyof Backend];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const gradientOnly = { skip: (c: { requires?: string }) => c.requires !== 'gradients' };

describe('gradient conformance cases', () => {
  it('pass on a backend with correct gradients, without leaks', async () => {
    const report = await checkBackend(withTape(createReferenceBackend()), gradientOnly);
    expect(report.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    expect(report.passed).toBe(2);
  });

  it('catch a crossEntropy gradient that forgets the one-hot term', async () => {
    const report = await checkBackend(withTape(createReferenceBackend(), true), gradientOnly);
    expect(report.outcomes.filter((o) => o.status === 'failed').map((o) => o.name)).toEqual([
      'gradients: d/dlogits sum(crossEntropy) = softmax − one-hot at the selected rows',
    ]);
  });
});
