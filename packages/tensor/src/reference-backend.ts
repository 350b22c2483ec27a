import type {
  AttentionOptions,
  Backend,
  Capabilities,
  MatmulOptions,
  Rotary,
  Tensor,
  ValueAndGradients,
} from './backend.js';
import { TensorError } from './errors.js';
import { ropeTables } from './rope-tables.js';
import {
  attentionDims,
  broadcastRepeats,
  checkFinite,
  checkReshape,
  checkSameShape,
  checkScatterIndices,
  checkUpload,
  crossEntropyDims,
  embeddingDims,
  lastAxis,
  matmulDims,
  rmsNormDims,
  ropeDims,
  shapeSize,
} from './shapes.js';
import { BackendTensor, TensorLifetime } from './tensor-lifetime.js';

/**
 * `'reference:cpu'`: a correctness reference, NOT a production backend. Float32 storage, naive
 * loops, and every accumulation rounded to float32 (`Math.fround`) so that it behaves like a
 * real float32 backend and keeps the conformance tolerances honest. No gradients.
 */

const fround = Math.fround;

export const REFERENCE_CAPABILITIES: Capabilities = Object.freeze({
  gradients: false,
  float16: false,
  device: 'cpu',
  precision: Object.freeze({
    unitRoundoff: 2 ** -24,
    notes:
      'float32 storage; sequential float32 accumulation (Math.fround) in index order; exp/log/cos/sin in float64, rounded once',
  }),
});

class ReferenceBackend extends TensorLifetime<Float32Array> implements Backend {
  readonly capabilities = REFERENCE_CAPABILITIES;

  constructor() {
    super('reference:cpu');
  }

  #make(values: Float32Array, shape: readonly number[]): Tensor {
    return this.track(new BackendTensor(this, values, shape, values.length));
  }

  upload(data: Float32Array, shape: readonly number[]): Tensor {
    checkUpload(data, shape);
    return this.#make(data.slice(), shape);
  }

  fill(shape: readonly number[], value = 0): Tensor {
    checkFinite('fill', 'value', value);
    return this.#make(new Float32Array(shapeSize(shape)).fill(value), shape);
  }

  async download(x: Tensor): Promise<Float32Array> {
    return this.storageOf(x).slice();
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const data = this.storageOf(x);
    checkReshape(x, shape);
    return this.#make(data.slice(), shape);
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    const { batch, m, k, n, batchedA, batchedB, transposeB, outShape } = matmulDims(a, b, options);
    const out = new Float32Array(batch * m * n);
    for (let p = 0; p < batch; p++) {
      const ao = batchedA ? p * m * k : 0;
      const bo = batchedB ? p * k * n : 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let q = 0; q < k; q++) {
            const bv = transposeB ? B[bo + j * k + q]! : B[bo + q * n + j]!;
            acc = fround(acc + fround(A[ao + i * k + q]! * bv));
          }
          out[(p * m + i) * n + j] = acc;
        }
      }
    }
    return this.#make(out, outShape);
  }

  #broadcast(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    broadcastRepeats(op, a, b);
    const out = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) out[i] = f(A[i]!, B[i % B.length]!);
    return this.#make(out, a.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#broadcast('add', a, b, (x, y) => x + y);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.#broadcast('mul', a, b, (x, y) => x * y);
  }

  scale(a: Tensor, s: number): Tensor {
    const A = this.storageOf(a);
    checkFinite('scale', 's', s);
    return this.#make(
      A.map((x) => x * s),
      a.shape,
    );
  }

  silu(x: Tensor): Tensor {
    return this.#make(this.storageOf(x).map(silu), x.shape);
  }

  swiglu(gate: Tensor, up: Tensor): Tensor {
    const G = this.storageOf(gate);
    const U = this.storageOf(up);
    checkSameShape('swiglu', gate, up);
    return this.#make(
      G.map((g, i) => fround(silu(g)) * U[i]!),
      gate.shape,
    );
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    const X = this.storageOf(x);
    const W = this.storageOf(weight);
    const h = rmsNormDims(x, weight, eps);
    const out = new Float32Array(X.length);
    for (let r = 0; h > 0 && r < X.length / h; r++) {
      let ss = 0;
      for (let i = 0; i < h; i++) ss = fround(ss + fround(X[r * h + i]! ** 2));
      const inv = fround(1 / Math.sqrt(fround(fround(ss / h) + eps)));
      for (let i = 0; i < h; i++) out[r * h + i] = fround(X[r * h + i]! * inv) * W[i]!;
    }
    return this.#make(out, x.shape);
  }

  rope(x: Tensor, rotary: Rotary): Tensor {
    const X = this.storageOf(x);
    const { b, s, heads, d, perBatch } = ropeDims(x, rotary);
    const half = d / 2;
    let cos: Float32Array;
    let sin: Float32Array;
    if ('positions' in rotary) {
      ({ cos, sin } = ropeTables(rotary.positions, d, rotary.theta));
    } else {
      cos = this.storageOf(rotary.cos);
      sin = this.storageOf(rotary.sin);
    }
    const out = new Float32Array(X.length);
    for (let bi = 0; bi < b; bi++) {
      for (let si = 0; si < s; si++) {
        const row = ((perBatch ? bi * s : 0) + si) * half;
        for (let h = 0; h < heads; h++) {
          const o = ((bi * s + si) * heads + h) * d;
          for (let i = 0; i < half; i++) {
            const x1 = X[o + i]!;
            const x2 = X[o + i + half]!;
            const c = cos[row + i]!;
            const sn = sin[row + i]!;
            out[o + i] = fround(x1 * c) - fround(x2 * sn);
            out[o + i + half] = fround(x2 * c) + fround(x1 * sn);
          }
        }
      }
    }
    return this.#make(out, x.shape);
  }

  attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
    const Q = this.storageOf(q);
    const K = this.storageOf(k);
    const V = this.storageOf(v);
    const M = options.mask === undefined ? undefined : this.storageOf(options.mask);
    const { b, s, t, hq, hkv, d, group, causal, scale } = attentionDims(q, k, v, options);
    const out = new Float32Array(b * s * hq * d);
    const scores = new Float32Array(t);
    const visible = new Uint8Array(t);
    for (let bi = 0; bi < b; bi++) {
      for (let si = 0; si < s; si++) {
        for (let tj = 0; tj < t; tj++) {
          visible[tj] =
            (!causal || tj <= si + t - s) && (M === undefined || M[bi * t + tj] !== 0) ? 1 : 0;
        }
        for (let h = 0; h < hq; h++) {
          const kh = Math.floor(h / group);
          const qo = ((bi * s + si) * hq + h) * d;
          let max = Number.NEGATIVE_INFINITY;
          for (let tj = 0; tj < t; tj++) {
            if (visible[tj] === 0) continue;
            const ko = ((bi * t + tj) * hkv + kh) * d;
            let dot = 0;
            for (let i = 0; i < d; i++) dot = fround(dot + fround(Q[qo + i]! * K[ko + i]!));
            scores[tj] = dot * scale;
            max = Math.max(max, scores[tj]!);
          }
          if (max === Number.NEGATIVE_INFINITY) continue; // fully masked row: zeros
          let denom = 0;
          for (let tj = 0; tj < t; tj++) {
            if (visible[tj] === 0) continue;
            scores[tj] = Math.exp(scores[tj]! - max);
            denom = fround(denom + scores[tj]!);
          }
          for (let tj = 0; tj < t; tj++) {
            if (visible[tj] === 0) continue;
            const p = fround(scores[tj]! / denom);
            const vo = ((bi * t + tj) * hkv + kh) * d;
            for (let i = 0; i < d; i++) out[qo + i] = out[qo + i]! + fround(p * V[vo + i]!);
          }
        }
      }
    }
    return this.#make(out, q.shape);
  }

  embedding(table: Tensor, ids: Uint32Array, idsShape: readonly number[]): Tensor {
    const T = this.storageOf(table);
    const h = embeddingDims(table, ids, idsShape);
    const out = new Float32Array(ids.length * h);
    for (let i = 0; i < ids.length; i++) out.set(T.subarray(ids[i]! * h, ids[i]! * h + h), i * h);
    return this.#make(out, [...idsShape, h]);
  }

  #logSumExp(X: Float32Array, start: number, v: number): number {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < v; i++) max = Math.max(max, X[start + i]!);
    let s = 0;
    for (let i = 0; i < v; i++) s = fround(s + fround(Math.exp(X[start + i]! - max)));
    return fround(Math.log(s));
  }

  logSoftmax(x: Tensor): Tensor {
    const X = this.storageOf(x);
    const v = lastAxis('logSoftmax', x);
    const out = new Float32Array(X.length);
    for (let r = 0; r < X.length / v; r++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < v; i++) max = Math.max(max, X[r * v + i]!);
      const lse = this.#logSumExp(X, r * v, v);
      for (let i = 0; i < v; i++) out[r * v + i] = fround(X[r * v + i]! - max) - lse;
    }
    return this.#make(out, x.shape);
  }

  crossEntropy(logits: Tensor, rows: Uint32Array, targets: Uint32Array): Tensor {
    const X = this.storageOf(logits);
    const v = crossEntropyDims(logits, rows, targets);
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const start = rows[i]! * v;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < v; j++) max = Math.max(max, X[start + j]!);
      out[i] = this.#logSumExp(X, start, v) - fround(X[start + targets[i]!]! - max);
    }
    return this.#make(out, [rows.length]);
  }

  sum(x: Tensor): Tensor {
    const X = this.storageOf(x);
    let s = 0;
    for (const value of X) s = fround(s + value);
    return this.#make(Float32Array.of(s), []);
  }

  scatterUpdate(weight: Tensor, flatIndices: Uint32Array, values: Float32Array): void {
    const W = this.storageOf(weight);
    checkScatterIndices(W.length, flatIndices, values);
    for (let i = 0; i < flatIndices.length; i++) W[flatIndices[i]!] = values[i]!;
  }

  valueAndGradients(_f: () => Tensor, _wrt: readonly Tensor[]): ValueAndGradients {
    throw new TensorError(
      'TENSOR_UNSUPPORTED',
      `${this.name} has no gradients (capabilities.gradients = false); use a backend that has, e.g. tfjs`,
    );
  }
}

function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** A fresh reference backend with its own tensor accounting. */
export function createReferenceBackend(): Backend {
  return new ReferenceBackend();
}

/**
 * The live storage of a reference tensor (not a copy), for this package's own tests: it lets a
 * test build deliberately broken backends around the reference one. Not exported from the index.
 */
export function referenceData(x: Tensor): Float32Array {
  if (!(x instanceof BackendTensor && x.owner instanceof ReferenceBackend) || x.isDisposed) {
    throw new TensorError('TENSOR_FOREIGN', 'referenceData takes a live reference:cpu tensor');
  }
  return x.storage as Float32Array;
}
