import {
  type AttentionOptions,
  attentionDims,
  type Backend,
  broadcastRepeats,
  type Capabilities,
  checkFinite,
  checkReshape,
  checkSameShape,
  checkScatterIndices,
  checkUpload,
  crossEntropyDims,
  embeddingDims,
  familySelection,
  lastAxis,
  type MatmulOptions,
  matmulDims,
  type Rotary,
  rmsNormDims,
  ropeDims,
  ropeTables,
  shapeSize,
  type Tensor,
  TensorError,
  TensorLifetime,
  type ValueAndGradients,
} from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';
import { capabilitiesFor } from './capabilities.js';
import { type EngineVariant, TFJS_FAMILY, type Tf, type TfjsEngine } from './engines.js';
import { tapeGradients } from './gradients.js';
import { ensureGradients } from './kernel-gradients.js';
import * as ops from './ops.js';
import { TfjsTensor } from './tensor-handle.js';
import {
  DEFAULT_TRANSPOSE_CACHE_BYTES,
  TransposeCache,
  wholeTranspose,
} from './transpose-cache.js';
import { wasmColumnBlocks } from './wasm-column-blocks.js';
import { ensureGatherRowsKernel, gatherRowsOnWasm } from './wasm-gather-rows-kernel.js';
import { ensureRopeKernel, ropeOnWasm } from './wasm-rope-kernel.js';
import { ensureSplitLeadingKernel } from './wasm-split-kernel.js';

/** How a backend came to be chosen (for `tfjs:auto`: which engines were skipped, and why). */
export interface EngineSelection {
  readonly engine: EngineVariant;
  /** Higher-priority engines that were tried and are not available here, with the reason. */
  readonly skipped: readonly { readonly engine: EngineVariant; readonly reason: string }[];
  /** One line: what was chosen and why the others were not. */
  readonly summary: string;
}

export function describeSelection(
  engine: EngineVariant,
  skipped: EngineSelection['skipped'],
): EngineSelection {
  return familySelection(TFJS_FAMILY, engine, skipped);
}

/** Tuning of a `TfjsBackend`. */
export interface TfjsBackendOptions {
  /**
   * Bytes of transposed copies of Linear weights (the rank-2 B of `matmul(x, w, { transposeB:
   * true })`) to keep, so each weight is transposed once, not on every call (default 512 MiB;
   * 0 = off). On the wasm engine a kept copy also keeps XNNPACK's packed copy of it: count
   * about twice the weight bytes. Copies are freed with their weight and on `scatterUpdate`.
   */
  readonly transposeCacheBytes?: number;
}

/**
 * A Meerkat backend on one TensorFlow.js engine. Tensor lifetimes (scopes, keep, dispose, memory,
 * foreign and disposed handles) are @meerkat/tensor's `TensorLifetime`; this class computes.
 */
export class TfjsBackend extends TensorLifetime<tfc.Tensor, TfjsTensor> implements Backend {
  readonly capabilities: Capabilities;
  readonly selection: EngineSelection;
  readonly #tf: Tf;
  readonly #tfBackend: string;
  readonly #attentionPlan: ops.AttentionPlan;
  /** The wasm engine: this package's own heap kernels (wasm-*-kernel.ts) are registered. */
  readonly #wasmKernels: boolean;
  readonly #transposeCache: TransposeCache<TfjsTensor>;
  /** > 0 while valueAndGradients records f: cached transposes would cut the tape. */
  #taping = 0;

  constructor(
    engine: TfjsEngine,
    selection: EngineSelection = describeSelection(engine.variant, []),
    options: TfjsBackendOptions = {},
  ) {
    super(`tfjs:${engine.variant}`);
    this.capabilities = capabilitiesFor(engine.variant);
    this.selection = selection;
    this.#tf = engine.tf;
    this.#tfBackend = engine.tfBackend;
    this.#wasmKernels = engine.tfBackend === 'wasm';
    this.#attentionPlan = { splitBatch: this.#wasmKernels };
    const budget = options.transposeCacheBytes ?? DEFAULT_TRANSPOSE_CACHE_BYTES;
    if (!(budget >= 0)) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `transposeCacheBytes must be a number ≥ 0 (0 turns the cache off), got ${String(budget)}`,
      );
    }
    this.#transposeCache = new TransposeCache(
      budget,
      this.#wasmKernels ? wasmColumnBlocks : wholeTranspose,
    );
    if (this.#wasmKernels) {
      ensureSplitLeadingKernel(engine.tf);
      ensureRopeKernel(engine.tf);
      ensureGatherRowsKernel(engine.tf);
    }
    ensureGradients(engine.tf);
  }

  /** tfjs has one global engine: make ours current (synchronous once it is initialised). */
  #activate(): Tf {
    const tf = this.#tf;
    if (tf.getBackend() !== this.#tfBackend) {
      void tf.setBackend(this.#tfBackend);
      if (tf.getBackend() !== this.#tfBackend) {
        throw new TensorError(
          'TENSOR_BACKEND_UNAVAILABLE',
          `${this.name}: could not switch tfjs to its '${this.#tfBackend}' engine`,
        );
      }
    }
    return tf;
  }

  /** Frees a disposed handle's tf.Tensor and its cached transpose. */
  protected override freeStorage(inner: tfc.Tensor, handle: TfjsTensor): void {
    this.#transposeCache.drop(handle);
    inner.dispose();
  }

  #wrap(inner: tfc.Tensor, shape: readonly number[] = inner.shape): TfjsTensor {
    return this.track(new TfjsTensor(this, inner, shape, inner.size));
  }

  /** Runs a tf computation under tf.tidy and wraps its result. */
  #run(compute: (tf: Tf) => tfc.Tensor, shape?: readonly number[]): Tensor {
    const tf = this.#activate();
    return this.#wrap(
      tf.tidy(() => compute(tf)),
      shape,
    );
  }

  upload(data: Float32Array, shape: readonly number[]): Tensor {
    checkUpload(data, shape);
    const tf = this.#activate();
    return this.#wrap(tf.tensor(data.slice(), [...shape], 'float32'), shape);
  }

  fill(shape: readonly number[], value = 0): Tensor {
    checkFinite('fill', 'value', value);
    shapeSize(shape);
    const tf = this.#activate();
    return this.#wrap(tf.fill([...shape], value, 'float32'), shape);
  }

  async download(x: Tensor): Promise<Float32Array> {
    const inner = this.storageOf(x);
    this.#activate();
    const data = (await inner.data()) as Float32Array;
    // wasm's data() is already a fresh copy off its heap; cpu's is the tensor's own storage.
    return this.#wasmKernels ? data : Float32Array.from(data);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const inner = this.storageOf(x);
    checkReshape(x, shape);
    return this.#run((tf) => tf.reshape(inner, [...shape]), shape);
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const A = this.storageOf(a);
    const handle = this.live(b);
    const B = handle.storage!;
    const dims = matmulDims(a, b, options);
    if (dims.transposeB && !dims.batchedB && this.#taping === 0) {
      // A Linear weight: multiply by its cached transpose (made once per weight version).
      const blocks = this.#transposeCache.transposed(this.#activate(), handle, B);
      if (blocks !== undefined) {
        return this.#run((tf) => ops.matmulColumnBlocks(tf, A, blocks, dims), dims.outShape);
      }
    }
    return this.#run((tf) => ops.matmul(tf, A, B, dims), dims.outShape);
  }

  /** Bytes of cached weight transposes held now (see `TfjsBackendOptions.transposeCacheBytes`). */
  get transposeCacheBytes(): number {
    return this.#transposeCache.bytes;
  }

  add(a: Tensor, b: Tensor): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    broadcastRepeats('add', a, b);
    return this.#run((tf) => tf.add(A, B), a.shape);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    broadcastRepeats('mul', a, b);
    return this.#run((tf) => tf.mul(A, B), a.shape);
  }

  scale(a: Tensor, s: number): Tensor {
    const A = this.storageOf(a);
    checkFinite('scale', 's', s);
    return this.#run((tf) => tf.mul(A, tf.scalar(s)), a.shape);
  }

  silu(x: Tensor): Tensor {
    const X = this.storageOf(x);
    return this.#run((tf) => ops.silu(tf, X), x.shape);
  }

  swiglu(gate: Tensor, up: Tensor): Tensor {
    const G = this.storageOf(gate);
    const U = this.storageOf(up);
    checkSameShape('swiglu', gate, up);
    return this.#run((tf) => tf.mul(ops.silu(tf, G), U), gate.shape);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    const X = this.storageOf(x);
    const W = this.storageOf(weight);
    rmsNormDims(x, weight, eps);
    return this.#run((tf) => ops.rmsNorm(tf, X, W, eps), x.shape);
  }

  rope(x: Tensor, rotary: Rotary): Tensor {
    const X = this.storageOf(x);
    let tables: { cos: tfc.Tensor; sin: tfc.Tensor } | undefined;
    if (!('positions' in rotary))
      tables = { cos: this.storageOf(rotary.cos), sin: this.storageOf(rotary.sin) };
    const dims = ropeDims(x, rotary);
    const oneKernel = this.#wasmKernels && this.#taping === 0;
    return this.#run((tf) => {
      let { cos, sin } = tables ?? { cos: undefined, sin: undefined };
      if (cos === undefined || sin === undefined) {
        const p = rotary as { positions: Uint32Array; theta: number };
        const host = ropeTables(p.positions, dims.d, p.theta);
        cos = tf.tensor(host.cos, [p.positions.length, dims.d / 2]);
        sin = tf.tensor(host.sin, [p.positions.length, dims.d / 2]);
      }
      return oneKernel ? ropeOnWasm(tf, X, cos, sin, dims) : ops.rope(tf, X, cos, sin, dims);
    }, x.shape);
  }

  attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
    const Q = this.storageOf(q);
    const K = this.storageOf(k);
    const V = this.storageOf(v);
    const M = options.mask === undefined ? undefined : this.storageOf(options.mask);
    const dims = attentionDims(q, k, v, options);
    return this.#run((tf) => ops.attention(tf, Q, K, V, M, dims, this.#attentionPlan), q.shape);
  }

  embedding(table: Tensor, ids: Uint32Array, idsShape: readonly number[]): Tensor {
    const T = this.storageOf(table);
    const h = embeddingDims(table, ids, idsShape);
    const shape = [...idsShape, h];
    if (this.#wasmKernels && this.#taping === 0) {
      return this.#run((tf) => tf.reshape(gatherRowsOnWasm(tf, T, ids), shape), shape);
    }
    return this.#run((tf) => ops.embedding(tf, T, ids, shape), shape);
  }

  logSoftmax(x: Tensor): Tensor {
    const X = this.storageOf(x);
    lastAxis('logSoftmax', x);
    return this.#run((tf) => tf.logSoftmax(X), x.shape);
  }

  crossEntropy(logits: Tensor, rows: Uint32Array, targets: Uint32Array): Tensor {
    const L = this.storageOf(logits);
    const v = crossEntropyDims(logits, rows, targets);
    return this.#run((tf) => ops.crossEntropy(tf, L, rows, targets, v), [rows.length]);
  }

  sum(x: Tensor): Tensor {
    const X = this.storageOf(x);
    return this.#run((tf) => tf.sum(X), []);
  }

  scatterUpdate(weight: Tensor, flatIndices: Uint32Array, values: Float32Array): void {
    const handle = this.live(weight);
    checkScatterIndices(weight.size, flatIndices, values);
    if (flatIndices.length === 0) return;
    const tf = this.#activate();
    const old = handle.storage!;
    const updated = tf.tidy(() =>
      tf.reshape(
        tf.tensorScatterUpdate(
          tf.reshape(old, [weight.size]),
          tf.tensor2d(Int32Array.from(flatIndices), [flatIndices.length, 1], 'int32'),
          tf.tensor1d(values.slice(), 'float32'),
        ),
        [...weight.shape],
      ),
    );
    handle.storage = updated;
    this.#transposeCache.drop(handle);
    old.dispose();
  }

  valueAndGradients(f: () => Tensor, wrt: readonly Tensor[]): ValueAndGradients {
    const xs = wrt.map((w) => this.storageOf(w));
    const tf = this.#activate();
    const { value, grads } = this.transient(() => {
      this.#taping++;
      let result: ReturnType<typeof tapeGradients>;
      try {
        result = tapeGradients(tf, () => this.storageOf(f()), xs);
      } finally {
        this.#taping--;
      }
      // The value may be the inner tensor of a handle f created, which the scope frees when this
      // returns: clones share the data (tfjs reference counts it) and outlive those handles.
      const copies = { value: tf.clone(result.value), grads: result.grads.map((g) => tf.clone(g)) };
      for (const g of result.grads) if (!xs.includes(g) && g !== result.value) g.dispose();
      return copies;
    });
    return {
      value: this.#wrap(value, []),
      gradients: grads.map((g, i) => this.#wrap(g, wrt[i]!.shape)),
    };
  }
}
