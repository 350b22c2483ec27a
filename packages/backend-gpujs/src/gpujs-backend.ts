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
import type { GPU } from 'gpu.js';
import { capabilitiesFor } from './capabilities.js';
import {
  type CompiledKernel,
  DeviceExecutor,
  type Executor,
  flatOutputSource,
  HostExecutor,
  type Stored,
} from './executor.js';
import * as K from './kernels.js';
import { GPUJS_FAMILY, type GpujsMode, residencyOf } from './modes.js';
import { GpujsTensor, SharedStorage } from './tensor-handle.js';

/** Which matmul kernel to run: `tiled` (blocked, the default) or the textbook `naive` loop. */
export type MatmulKernel = 'tiled' | 'naive';

/** How `gpujs:auto` came to choose a mode (and why better ones were skipped). */
export interface ModeSelection {
  readonly mode: GpujsMode;
  readonly skipped: readonly { readonly mode: GpujsMode; readonly reason: string }[];
  /** One line: what was chosen and why the others were not. */
  readonly summary: string;
}

export function describeSelection(
  mode: GpujsMode,
  skipped: ModeSelection['skipped'],
): ModeSelection {
  return familySelection(GPUJS_FAMILY, mode, skipped);
}

export interface GpujsBackendOptions {
  readonly selection?: ModeSelection;
  /** Default `tiled`. `naive` exists to measure the tiled kernel against. */
  readonly matmul?: MatmulKernel;
  /** Compiled kernels kept (least recently used are destroyed beyond it). Default 256. */
  readonly kernelCacheSize?: number;
  /**
   * Testing aid for host modes (webasm, cpu): run the GL/WebGPU code path (device-resident
   * storage: copy/fill/relayout/scatter kernels, k-unrolled matmul) with each result kept as a
   * gpu.js `input` instead of a texture, so it can be checked where no GPU exists.
   */
  readonly emulateDeviceResidency?: boolean;
}

/** Rows of a tensor viewed with `w` columns (w = 0 for an empty tensor gives 0 rows). */
function rowsOf(size: number, w: number): number {
  return w === 0 ? 0 : size / w;
}

const UNROLL = 4;

/** Device-mode tensors are indexed by a float32 thread id: exact up to 2^24. */
const MAX_DEVICE_ELEMENTS = 2 ** 24;

/**
 * A Meerkat backend on one gpu.js `GPU` instance (one mode). Forward only: no gradients.
 * Kernels are compiled once per (operation, shapes) and cached; intermediates stay where the
 * mode keeps tensors (textures on GL/WebGPU, typed arrays on webasm/cpu) and are read back only
 * by `download`. Tensor lifetimes (scopes, keep, dispose, memory, foreign and disposed handles)
 * are @meerkat/tensor's `TensorLifetime`.
 */
export class GpujsBackend extends TensorLifetime<SharedStorage, GpujsTensor> implements Backend {
  readonly mode: GpujsMode;
  readonly capabilities: Capabilities;
  readonly selection: ModeSelection;
  readonly matmulKernel: MatmulKernel;
  /** The gpu.js instance all kernels are created on (pass it in to share a canvas/context). */
  readonly gpu: GPU;
  readonly #exec: Executor;
  readonly #kernels = new Map<string, CompiledKernel>();
  readonly #kernelCacheSize: number;

  constructor(gpu: GPU, mode: GpujsMode, options: GpujsBackendOptions = {}) {
    super(`gpujs:${mode}`);
    this.gpu = gpu;
    this.mode = mode;
    this.capabilities = capabilitiesFor(mode);
    this.selection = options.selection ?? describeSelection(mode, []);
    this.matmulKernel = options.matmul ?? 'tiled';
    this.#kernelCacheSize = options.kernelCacheSize ?? 256;
    const host = residencyOf(mode) === 'host';
    const emulate = options.emulateDeviceResidency === true;
    if (emulate && !host) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `emulateDeviceResidency is for host modes (webasm, cpu); gpujs:${mode} is device-resident already`,
      );
    }
    this.#exec =
      host && !emulate
        ? new HostExecutor()
        : new DeviceExecutor((...a) => this.#kernel(...a), emulate);
  }

  /** Compiled kernels currently cached. */
  get cachedKernels(): number {
    return this.#kernels.size;
  }

  #kernel(
    name: string,
    fn: (...args: never[]) => unknown,
    constants: Readonly<Record<string, number>>,
    W: number,
    H: number,
    argDims: readonly string[],
  ): CompiledKernel {
    const key = `${name}|${W}x${H}|${JSON.stringify(constants)}|${argDims.join(',')}`;
    const flat = this.#exec.residency === 'device';
    if (flat && W * H > MAX_DEVICE_ELEMENTS) {
      throw new TensorError(
        'TENSOR_UNSUPPORTED',
        `${this.name}: ${name} would write ${W * H} elements; GL/WebGPU kernels index in float32, exact only up to 2^24 (${MAX_DEVICE_ELEMENTS}) elements per tensor. Use gpujs:webasm (no such limit) or smaller batches`,
      );
    }
    let kernel = this.#kernels.get(key);
    if (kernel !== undefined) {
      this.#kernels.delete(key);
      this.#kernels.set(key, kernel);
      return kernel;
    }
    const all = flat ? { ...constants, outW: W } : constants;
    const hasConstants = Object.keys(all).length > 0;
    const source = flat ? flatOutputSource(K.kernelSource(fn)) : K.kernelSource(fn);
    kernel = (
      this.gpu as unknown as { createKernel(source: string, settings: object): CompiledKernel }
    ).createKernel(source, {
      output: flat ? [W * H] : [W, H],
      ...(hasConstants ? { constants: { ...all } } : {}),
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: 1 << 24,
    });
    this.#kernels.set(key, kernel);
    while (this.#kernels.size > this.#kernelCacheSize) {
      const [oldKey, old] = this.#kernels.entries().next().value as [string, CompiledKernel];
      this.#kernels.delete(oldKey);
      old.destroy?.();
    }
    return kernel;
  }

  /** Frees a disposed handle's allocation once no reshape of it is left. */
  protected override freeStorage(storage: SharedStorage): void {
    if (--storage.refs === 0) this.#exec.free(storage.stored.raw);
  }

  #stored(x: Tensor): Stored {
    return this.storageOf(x).stored;
  }

  #wrap(raw: unknown, shape: readonly number[], W: number, H: number): GpujsTensor {
    const size = W * H;
    return this.track(new GpujsTensor(this, new SharedStorage({ raw, W, H }), shape, size));
  }

  /** An empty tensor (a dimension is 0): no storage to compute. */
  #empty(shape: readonly number[]): GpujsTensor {
    return this.#wrap(new Float32Array(0), shape, 0, 0);
  }

  /** Runs `name` over output [W, H] with the given tensor views and extra arguments. */
  #run(
    name: string,
    fn: (...args: never[]) => unknown,
    constants: Readonly<Record<string, number>>,
    W: number,
    H: number,
    args: readonly (
      | { readonly t: Tensor; readonly w: number }
      | { readonly host: Float32Array }
      | number
    )[],
    shape: readonly number[],
  ): GpujsTensor {
    const dims: string[] = [];
    const values = args.map((arg) => {
      if (typeof arg === 'number') return arg;
      if ('host' in arg) {
        dims.push(`${arg.host.length}x1`);
        return this.#exec.small(arg.host);
      }
      const stored = this.#stored(arg.t);
      const h = rowsOf(arg.t.size, arg.w);
      dims.push(`${arg.w}x${h}`);
      return this.#exec.view(stored, arg.w, h);
    });
    const kernel = this.#kernel(name, fn, constants, W, H, dims);
    return this.#wrap(this.#exec.run(kernel, values, W, H), shape, W, H);
  }

  // ── data ──────────────────────────────────────────────────────────────────────────────────

  upload(data: Float32Array, shape: readonly number[]): Tensor {
    const size = checkUpload(data, shape);
    if (size === 0) return this.#empty(shape);
    const w = shape[shape.length - 1] ?? 1;
    return this.#wrap(this.#exec.upload(data, w, size / w), shape, w, size / w);
  }

  fill(shape: readonly number[], value = 0): Tensor {
    checkFinite('fill', 'value', value);
    const size = shapeSize(shape);
    if (size === 0) return this.#empty(shape);
    const w = shape[shape.length - 1] ?? 1;
    return this.#wrap(this.#exec.fill(value, w, size / w), shape, w, size / w);
  }

  async download(x: Tensor): Promise<Float32Array> {
    const stored = this.#stored(x);
    if (x.size === 0) return new Float32Array(0);
    return this.#exec.download(stored);
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const storage = this.storageOf(x);
    checkReshape(x, shape);
    storage.refs++;
    return this.track(new GpujsTensor(this, storage, shape, x.size));
  }

  // ── linear algebra ────────────────────────────────────────────────────────────────────────

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    this.live(a);
    this.live(b);
    const d = matmulDims(a, b, options);
    const { batch, m, k, n, transposeB, outShape } = d;
    if (batch * m * n === 0) return this.#empty(outShape);
    if (k === 0) return this.fill(outShape, 0);
    const constants = {
      m,
      k,
      aStride: d.batchedA ? m : 0,
      bStride: d.batchedB ? (transposeB ? n : k) : 0,
    };
    const aView = { t: a, w: k };
    const bView = { t: b, w: transposeB ? k : n };
    if (this.matmulKernel === 'naive') {
      const fn = transposeB ? K.matmulNaiveT : K.matmulNaiveN;
      return this.#run('matmul-naive', fn, constants, n, batch * m, [aView, bView], outShape);
    }
    if (this.#exec.residency === 'host') {
      const mb = Math.ceil(m / 4);
      const fn = transposeB ? K.matmulRowBlockT : K.matmulRowBlockN;
      const args = [aView, bView].map((v) =>
        this.#exec.view(this.#stored(v.t), v.w, v.t.size / v.w),
      );
      const kernel = this.#kernel('matmul-rowblock', fn, { ...constants, mb }, n, batch * mb, [
        `${k}x${a.size / k}`,
        `${bView.w}x${b.size / bView.w}`,
      ]);
      const raw = this.#exec.runRowBlocked(kernel, args, { batch, m, n, mb });
      return this.#wrap(raw, outShape, n, batch * m);
    }
    const fn = transposeB ? K.matmulUnrolledT : K.matmulUnrolledN;
    const k4 = k - (k % UNROLL);
    return this.#run(
      'matmul-unrolled',
      fn,
      { ...constants, k4 },
      n,
      batch * m,
      [aView, bView],
      outShape,
    );
  }

  // ── elementwise ───────────────────────────────────────────────────────────────────────────

  #broadcast(op: 'add' | 'mul', a: Tensor, b: Tensor): Tensor {
    this.live(a);
    this.live(b);
    broadcastRepeats(op, a, b);
    if (a.size === 0) return this.#empty(a.shape);
    const w = b.size;
    const fn = op === 'add' ? K.addKernel : K.mulKernel;
    return this.#run(
      op,
      fn,
      {},
      w,
      a.size / w,
      [
        { t: a, w },
        { t: b, w },
      ],
      a.shape,
    );
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#broadcast('add', a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.#broadcast('mul', a, b);
  }

  #lastWidth(x: Tensor): number {
    return x.shape[x.shape.length - 1] ?? 1;
  }

  scale(a: Tensor, s: number): Tensor {
    this.live(a);
    checkFinite('scale', 's', s);
    if (a.size === 0) return this.#empty(a.shape);
    const w = this.#lastWidth(a);
    return this.#run('scale', K.scaleKernel, {}, w, a.size / w, [{ t: a, w }, s], a.shape);
  }

  silu(x: Tensor): Tensor {
    this.live(x);
    if (x.size === 0) return this.#empty(x.shape);
    const w = this.#lastWidth(x);
    return this.#run('silu', K.siluKernel, {}, w, x.size / w, [{ t: x, w }], x.shape);
  }

  swiglu(gate: Tensor, up: Tensor): Tensor {
    this.live(gate);
    this.live(up);
    checkSameShape('swiglu', gate, up);
    if (gate.size === 0) return this.#empty(gate.shape);
    const w = this.#lastWidth(gate);
    return this.#run(
      'swiglu',
      K.swigluKernel,
      {},
      w,
      gate.size / w,
      [
        { t: gate, w },
        { t: up, w },
      ],
      gate.shape,
    );
  }

  // ── normalisation, positions, attention ───────────────────────────────────────────────────

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.live(x);
    this.live(weight);
    const h = rmsNormDims(x, weight, eps);
    if (x.size === 0) return this.#empty(x.shape);
    const rows = x.size / h;
    return this.scope(() => {
      const inverse = this.#run(
        'rms-inverse',
        K.rmsInverseKernel,
        { h },
        1,
        rows,
        [{ t: x, w: h }, eps],
        [rows],
      );
      return this.#run(
        'rms-apply',
        K.rmsApplyKernel,
        {},
        h,
        rows,
        [
          { t: x, w: h },
          { t: inverse, w: 1 },
          { t: weight, w: h },
        ],
        x.shape,
      );
    });
  }

  rope(x: Tensor, rotary: Rotary): Tensor {
    this.live(x);
    if (!('positions' in rotary)) {
      this.live(rotary.cos);
      this.live(rotary.sin);
    }
    const { b, s, heads, d, perBatch } = ropeDims(x, rotary);
    if (x.size === 0) return this.#empty(x.shape);
    const half = d / 2;
    const constants = { heads, s, half, perBatch: perBatch ? 1 : 0 };
    const run = (cos: Tensor, sin: Tensor) =>
      this.#run(
        'rope',
        K.ropeKernel,
        constants,
        d,
        b * s * heads,
        [
          { t: x, w: d },
          { t: cos, w: half },
          { t: sin, w: half },
        ],
        x.shape,
      );
    if (!('positions' in rotary)) return run(rotary.cos, rotary.sin);
    return this.scope(() => {
      const host = ropeTables(rotary.positions, d, rotary.theta);
      const n = rotary.positions.length;
      return run(this.upload(host.cos, [n, half]), this.upload(host.sin, [n, half]));
    });
  }

  attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
    this.live(q);
    this.live(k);
    this.live(v);
    if (options.mask !== undefined) this.live(options.mask);
    const dims = attentionDims(q, k, v, options);
    const { b, s, t, hq, hkv, d, group, causal, scale } = dims;
    if (q.size === 0) return this.#empty(q.shape);
    if (t === 0) return this.fill(q.shape, 0);
    const constants = {
      s,
      t,
      hq,
      hkv,
      d,
      group,
      causal: causal ? 1 : 0,
      hasMask: options.mask === undefined ? 0 : 1,
      scale: Math.fround(scale),
    };
    const rows = b * hq * s;
    return this.scope(() => {
      const mask = options.mask ?? this.fill([1, 1], 1);
      const scores = this.#run(
        'attention-scores',
        K.attentionScoresKernel,
        constants,
        t,
        rows,
        [
          { t: q, w: d },
          { t: k, w: d },
          { t: mask, w: options.mask === undefined ? 1 : t },
        ],
        [rows, t],
      );
      const max = this.#run(
        'row-max',
        K.rowMaxKernel,
        { w: t },
        1,
        rows,
        [{ t: scores, w: t }],
        [rows],
      );
      const denominator = this.#run(
        'softmax-denominator',
        K.softmaxDenominatorKernel,
        { w: t },
        1,
        rows,
        [
          { t: scores, w: t },
          { t: max, w: 1 },
        ],
        [rows],
      );
      const p = this.#run(
        'softmax-probability',
        K.softmaxProbabilityKernel,
        {},
        t,
        rows,
        [
          { t: scores, w: t },
          { t: max, w: 1 },
          { t: denominator, w: 1 },
        ],
        [rows, t],
      );
      return this.#run(
        'attention-values',
        K.attentionValuesKernel,
        constants,
        d,
        b * s * hq,
        [
          { t: p, w: t },
          { t: v, w: d },
        ],
        q.shape,
      );
    });
  }

  // ── embeddings and losses ─────────────────────────────────────────────────────────────────

  embedding(table: Tensor, ids: Uint32Array, idsShape: readonly number[]): Tensor {
    this.live(table);
    const h = embeddingDims(table, ids, idsShape);
    const shape = [...idsShape, h];
    if (ids.length === 0 || h === 0) return this.#empty(shape);
    return this.#run(
      'embedding',
      K.embeddingKernel,
      {},
      h,
      ids.length,
      [{ t: table, w: h }, { host: Float32Array.from(ids) }],
      shape,
    );
  }

  logSoftmax(x: Tensor): Tensor {
    this.live(x);
    const v = lastAxis('logSoftmax', x);
    if (x.size === 0) return this.#empty(x.shape);
    const rows = x.size / v;
    return this.scope(() => {
      const max = this.#run('row-max', K.rowMaxKernel, { w: v }, 1, rows, [{ t: x, w: v }], [rows]);
      const lse = this.#run(
        'log-sum-exp',
        K.logSumExpKernel,
        { w: v },
        1,
        rows,
        [
          { t: x, w: v },
          { t: max, w: 1 },
        ],
        [rows],
      );
      return this.#run(
        'log-softmax',
        K.logSoftmaxKernel,
        {},
        v,
        rows,
        [
          { t: x, w: v },
          { t: max, w: 1 },
          { t: lse, w: 1 },
        ],
        x.shape,
      );
    });
  }

  crossEntropy(logits: Tensor, rows: Uint32Array, targets: Uint32Array): Tensor {
    this.live(logits);
    const v = crossEntropyDims(logits, rows, targets);
    if (rows.length === 0) return this.#empty([0]);
    return this.#run(
      'cross-entropy',
      K.crossEntropyKernel,
      { v },
      1,
      rows.length,
      [
        { t: logits, w: v },
        { host: Float32Array.from(rows) },
        { host: Float32Array.from(targets) },
      ],
      [rows.length],
    );
  }

  sum(x: Tensor): Tensor {
    this.live(x);
    if (x.size === 0) return this.fill([], 0);
    const w = this.#lastWidth(x);
    const rows = x.size / w;
    return this.scope(() => {
      const partial = this.#run('row-sum', K.rowSumKernel, { w }, 1, rows, [{ t: x, w }], [rows]);
      return this.#run('column-sum', K.columnSumKernel, { rows }, 1, 1, [{ t: partial, w: 1 }], []);
    });
  }

  // ── training ──────────────────────────────────────────────────────────────────────────────

  scatterUpdate(weight: Tensor, flatIndices: Uint32Array, values: Float32Array): void {
    const handle = this.live(weight);
    checkScatterIndices(weight.size, flatIndices, values);
    if (flatIndices.length === 0) return;
    const order = Uint32Array.from(flatIndices.keys()).sort(
      (i, j) => flatIndices[i]! - flatIndices[j]!,
    );
    const sortedIndices = Uint32Array.from(order, (i) => flatIndices[i]!);
    const sortedValues = Float32Array.from(order, (i) => values[i]!);
    const storage = handle.storage!;
    const shared = storage.refs > 1;
    const raw = this.#exec.scatter(storage.stored, sortedIndices, sortedValues, !shared);
    const next = { ...storage.stored, raw };
    if (shared) {
      // other handles (reshapes) keep the old values: this one gets its own storage
      storage.refs--;
      handle.storage = new SharedStorage(next);
    } else {
      if (raw !== storage.stored.raw) this.#exec.free(storage.stored.raw);
      storage.stored = next;
    }
  }

  valueAndGradients(_f: () => Tensor, _wrt: readonly Tensor[]): ValueAndGradients {
    throw new TensorError(
      'TENSOR_UNSUPPORTED',
      `${this.name} has no gradients (capabilities.gradients = false): gpu.js backends are forward only. Use a backend with gradients for first-order work such as mask calibration, e.g. createBackend('tfjs:auto') from @meerkat/backend-tfjs`,
    );
  }
}
