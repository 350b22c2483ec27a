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
  shapeSize,
  type Tensor,
  TensorError,
  TensorLifetime,
  type ValueAndGradients,
} from '@meerkat/tensor';
import type { InferenceSession } from 'onnxruntime-common';
import { capabilitiesFor } from './capabilities.js';
import { type EngineSpec, ORT_FAMILY } from './engines.js';
import { lowerAttention } from './lower/attention.js';
import {
  lowerBinary,
  lowerReshape,
  lowerRmsNorm,
  lowerScale,
  lowerSilu,
  lowerSwiglu,
} from './lower/elementwise.js';
import { lowerMatmul } from './lower/linear.js';
import {
  lowerCrossEntropyAllRows,
  lowerCrossEntropySelectedRows,
  lowerEmbedding,
  lowerLogSoftmax,
  lowerScatter,
  lowerSum,
} from './lower/loss.js';
import { lowerRope } from './lower/rope.js';
import { OnnxGraph } from './onnx-graph.js';
import type { OrtModule } from './ort-module.js';
import { OrtTensor } from './ort-tensor.js';
import { RopeTableCache } from './rope-table-cache.js';
import { SessionCache, type SessionCacheStats } from './session-cache.js';
import {
  Leaf,
  type Lowering,
  lowerGraph,
  OpNode,
  reaches,
  type Source,
  traceGraph,
} from './trace.js';

/** Whether `flatIndices` is 0, 1, …, size − 1 (stops at the first entry that is not). */
function isWholeTensor(size: number, flatIndices: Uint32Array): boolean {
  if (!(flatIndices instanceof Uint32Array) || flatIndices.length !== size || size === 0) {
    return false;
  }
  for (let i = 0; i < size; i++) if (flatIndices[i] !== i) return false;
  return true;
}

/** How an engine was chosen (and why better ones were skipped), for `ort:auto`. */
export interface EngineSelection {
  readonly engine: string;
  readonly skipped: readonly { readonly engine: string; readonly reason: string }[];
  /** One line: what was chosen and why the others were not. */
  readonly summary: string;
}

export function describeEngineSelection(
  engine: string,
  skipped: EngineSelection['skipped'],
): EngineSelection {
  return familySelection<'engine', string>(ORT_FAMILY, engine, skipped);
}

export interface OrtBackendOptions {
  /** Intra-op threads of every session (CPU engines). Default: the runtime's own (one per core). */
  readonly threads?: number;
  /** Sessions kept (least recently used are released beyond it). Default 64. */
  readonly sessionCacheSize?: number;
  /** ONNX Runtime graph optimisation level. Default `'all'`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly selection?: EngineSelection;
  /**
   * More ONNX Runtime session options, merged over this backend's (e.g. `enableProfiling`,
   * `logSeverityLevel`, `enableCpuMemArena`).
   */
  readonly sessionOptions?: InferenceSession.SessionOptions;
}

/** Counters for benchmarks and tests. */
export interface OrtBackendStats extends SessionCacheStats {
  /** Graph runs (one per `download` of a result that was not computed yet). */
  readonly runs: number;
  /** Copies made by `scatterUpdate` because a recorded, not yet computed op still read the weight. */
  readonly copiesOnWrite: number;
}

/**
 * A Meerkat backend on ONNX Runtime. Ops are recorded, not run: a handle's value is computed when
 * `download` asks for it, and then the whole computation it depends on — a forward pass of a
 * model, say, traced from the model's own code — runs as one ONNX Runtime session. Sessions are
 * cached by the graph's structure (ops, static shapes, attributes), never by its data, so the next
 * forward of the same shape reuses the session.
 *
 * Host values (uploads, weights) are graph inputs bound to their own `Float32Array`s without a
 * copy: `scatterUpdate` writes those arrays in place, and the next run sees the change with no
 * session rebuilt. Forward only: no gradients. Tensor lifetimes (scopes, keep, dispose, memory,
 * foreign and disposed handles) are @meerkat/tensor's `TensorLifetime`.
 */
export class OrtBackend extends TensorLifetime<Source, OrtTensor> implements Backend {
  readonly engine: EngineSpec;
  readonly capabilities: Capabilities;
  readonly selection: EngineSelection;
  readonly #ort: OrtModule;
  readonly #sessionOptions: InferenceSession.SessionOptions;
  readonly #sessions: SessionCache;
  readonly #ropeTables = new RopeTableCache();
  /** Live handles whose value is recorded but not computed yet. */
  readonly #pending = new Set<OrtTensor>();
  #runs = 0;
  #copiesOnWrite = 0;

  constructor(ort: OrtModule, engine: EngineSpec, options: OrtBackendOptions = {}) {
    super(`ort:${engine.engine}`);
    this.#ort = ort;
    this.engine = engine;
    this.capabilities = capabilitiesFor(engine);
    this.selection = options.selection ?? describeEngineSelection(engine.engine, []);
    this.#sessions = new SessionCache(options.sessionCacheSize ?? 64);
    this.#sessionOptions = {
      executionProviders: [engine.executionProvider],
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      // Off: ONNX Runtime's CPU arena keeps every run's peak allocations for good. Measured at
      // m30 (8 × 128): peak RSS 305 MiB instead of 472 (weights 121 MiB), about 5% slower.
      enableCpuMemArena: false,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
      ...options.sessionOptions,
    };
  }

  stats(): OrtBackendStats {
    return { ...this.#sessions.stats(), runs: this.#runs, copiesOnWrite: this.#copiesOnWrite };
  }

  /** Releases every cached session (the backend stays usable; sessions are rebuilt on demand). */
  close(): Promise<void> {
    return this.#sessions.clear();
  }

  /** A disposed handle no longer counts as pending. */
  protected override freeStorage(_source: Source, handle: OrtTensor): void {
    this.#pending.delete(handle);
  }

  #make(source: Source, shape: readonly number[]): OrtTensor {
    const t = this.track(new OrtTensor(this, source, shape, shapeSize(shape)));
    if (source.kind === 'op') this.#pending.add(t);
    return t;
  }

  /** Records an op whose cache signature is `signature` plus its inputs' shapes. */
  #op(
    signature: string,
    inputs: readonly Source[],
    shape: readonly number[],
    lower: Lowering,
  ): OrtTensor {
    const full = `${signature}<${inputs.map((i) => i.shape.join('x')).join('|')}>`;
    return this.#make(new OpNode(full, inputs, shape, lower), shape);
  }

  // ── data ──────────────────────────────────────────────────────────────────────────────────

  upload(data: Float32Array, shape: readonly number[]): Tensor {
    checkUpload(data, shape);
    return this.#make(new Leaf('float32', [...shape], data.slice()), shape);
  }

  fill(shape: readonly number[], value = 0): Tensor {
    checkFinite('fill', 'value', value);
    const size = shapeSize(shape);
    return this.#make(new Leaf('float32', [...shape], new Float32Array(size).fill(value)), shape);
  }

  async download(x: Tensor): Promise<Float32Array> {
    const h = this.live(x);
    const source = h.storage!;
    if (source.kind === 'leaf') return (source.data as Float32Array).slice();
    const [values] = await this.#evaluate([source]);
    // The handle keeps the values (a later op or download reuses them), unless it was disposed
    // or overwritten while the graph ran.
    if (h.storage === source) {
      h.storage = new Leaf('float32', source.shape, values!);
      this.#pending.delete(h);
      return values!.slice();
    }
    return values!;
  }

  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const source = this.storageOf(x);
    checkReshape(x, shape);
    return this.#op(`reshape[${shape.join(',')}]`, [source], [...shape], lowerReshape(shape));
  }

  /** Runs the graph that computes `outputs` and returns their values. */
  async #evaluate(outputs: readonly OpNode[]): Promise<Float32Array[]> {
    const traced = traceGraph(outputs);
    const create = () => {
      const graph = new OnnxGraph();
      lowerGraph(traced, graph);
      return this.#ort.InferenceSession.create(graph.encode(), this.#sessionOptions);
    };
    let stage = 'create a session for';
    try {
      const values = await this.#sessions.use(traced.key, create, async (session) => {
        stage = 'run';
        const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
        traced.leaves.forEach((leaf, i) => {
          feeds[session.inputNames[i]!] = new this.#ort.Tensor(leaf.dtype, leaf.data, [
            ...leaf.shape,
          ]);
        });
        const results = await session.run(feeds);
        return session.outputNames.map((name) => results[name]!.data as Float32Array);
      });
      this.#runs++;
      return values;
    } catch (error) {
      throw new TensorError(
        'TENSOR_EXECUTION_FAILED',
        `${this.name}: ONNX Runtime could not ${stage} a graph of ${traced.ops.length} ops: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  // ── linear algebra and elementwise ────────────────────────────────────────────────────────

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    const d = matmulDims(a, b, options);
    return this.#op(`matmul${d.transposeB ? 'T' : ''}`, [A, B], d.outShape, lowerMatmul(d));
  }

  add(a: Tensor, b: Tensor): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    broadcastRepeats('add', a, b);
    return this.#op('add', [A, B], a.shape, lowerBinary('Add'));
  }

  mul(a: Tensor, b: Tensor): Tensor {
    const A = this.storageOf(a);
    const B = this.storageOf(b);
    broadcastRepeats('mul', a, b);
    return this.#op('mul', [A, B], a.shape, lowerBinary('Mul'));
  }

  scale(a: Tensor, s: number): Tensor {
    const A = this.storageOf(a);
    checkFinite('scale', 's', s);
    return this.#op(`scale(${s})`, [A], a.shape, lowerScale(s));
  }

  silu(x: Tensor): Tensor {
    return this.#op('silu', [this.storageOf(x)], x.shape, lowerSilu);
  }

  swiglu(gate: Tensor, up: Tensor): Tensor {
    const G = this.storageOf(gate);
    const U = this.storageOf(up);
    checkSameShape('swiglu', gate, up);
    return this.#op('swiglu', [G, U], gate.shape, lowerSwiglu);
  }

  // ── normalisation, positions, attention ───────────────────────────────────────────────────

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    const X = this.storageOf(x);
    const W = this.storageOf(weight);
    rmsNormDims(x, weight, eps);
    return this.#op(`rmsNorm(${eps})`, [X, W], x.shape, lowerRmsNorm(eps));
  }

  rope(x: Tensor, rotary: Rotary): Tensor {
    const X = this.storageOf(x);
    const r = ropeDims(x, rotary);
    const [cos, sin] =
      'positions' in rotary
        ? this.#ropeTables.get(rotary.positions, r, rotary.theta)
        : [this.storageOf(rotary.cos), this.storageOf(rotary.sin)];
    return this.#op(`rope(${r.perBatch ? 'b' : 's'})`, [X, cos, sin], x.shape, lowerRope(r));
  }

  attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
    const inputs = [this.storageOf(q), this.storageOf(k), this.storageOf(v)];
    if (options.mask !== undefined) inputs.push(this.storageOf(options.mask));
    const a = attentionDims(q, k, v, options);
    const hasMask = options.mask !== undefined;
    return this.#op(
      `attention(${a.causal ? 'causal' : 'full'},${a.scale},${hasMask ? 'mask' : ''})`,
      inputs,
      q.shape,
      lowerAttention(a, hasMask),
    );
  }

  // ── embeddings and losses ─────────────────────────────────────────────────────────────────

  embedding(table: Tensor, ids: Uint32Array, idsShape: readonly number[]): Tensor {
    const T = this.storageOf(table);
    const h = embeddingDims(table, ids, idsShape);
    // A copy: the caller may reuse its id buffer before the op runs.
    const idLeaf = new Leaf('int32', [...idsShape], Int32Array.from(ids));
    return this.#op('embedding', [T, idLeaf], [...idsShape, h], lowerEmbedding);
  }

  logSoftmax(x: Tensor): Tensor {
    const X = this.storageOf(x);
    lastAxis('logSoftmax', x);
    return this.#op('logSoftmax', [X], x.shape, lowerLogSoftmax);
  }

  crossEntropy(logits: Tensor, rows: Uint32Array, targets: Uint32Array): Tensor {
    const L = this.storageOf(logits);
    const v = crossEntropyDims(logits, rows, targets);
    const n = rows.length;
    const R = logits.size / v;
    // Most rows (a causal-LM loss): log-softmax all of them in place of copying rows out.
    if (4 * n >= R) {
      const flat = new Leaf(
        'int64',
        [n],
        BigInt64Array.from(rows, (r, i) => BigInt(r) * BigInt(v) + BigInt(targets[i]!)),
      );
      return this.#op('crossEntropy(all)', [L, flat], [n], lowerCrossEntropyAllRows(R, v));
    }
    const rowLeaf = new Leaf('int32', [n], Int32Array.from(rows));
    const targetLeaf = new Leaf('int32', [n], Int32Array.from(targets));
    return this.#op(
      'crossEntropy(rows)',
      [L, rowLeaf, targetLeaf],
      [n],
      lowerCrossEntropySelectedRows(R, v, n),
    );
  }

  sum(x: Tensor): Tensor {
    return this.#op('sum', [this.storageOf(x)], [], lowerSum(x.shape.length));
  }

  // ── training ──────────────────────────────────────────────────────────────────────────────

  /**
   * Writes a computed weight's values in place (the array its graph input is bound to). If an op
   * recorded earlier still reads the weight and has not run, the weight moves to a copy first, so
   * that op keeps the old values. A weight that is itself not computed yet gets a recorded
   * ScatterND instead.
   */
  scatterUpdate(weight: Tensor, flatIndices: Uint32Array, values: Float32Array): void {
    const h = this.live(weight);
    // Every entry in order (a full-parameter write) is valid by construction and written as one
    // copy; any other index array gets the full check.
    const whole =
      isWholeTensor(h.size, flatIndices) &&
      values instanceof Float32Array &&
      values.length === h.size;
    if (!whole) checkScatterIndices(h.size, flatIndices, values);
    if (flatIndices.length === 0) return;
    let source = h.storage!;
    if (source.kind === 'op') {
      const indices = new Leaf(
        'int64',
        [flatIndices.length, 1],
        BigInt64Array.from(flatIndices, BigInt),
      );
      const updates = new Leaf('float32', [values.length], values.slice());
      h.storage = new OpNode(
        `scatter<${h.shape.join('x')}|${flatIndices.length}>`,
        [source, indices, updates],
        h.shape,
        lowerScatter(h.shape, h.size),
      );
      return;
    }
    if (this.#pending.size > 0 && reaches(this.#pendingOps(), source)) {
      source = new Leaf('float32', source.shape, source.data.slice());
      h.storage = source;
      this.#copiesOnWrite++;
    }
    const data = source.data as Float32Array;
    if (whole) data.set(values);
    else for (let i = 0; i < flatIndices.length; i++) data[flatIndices[i]!] = values[i]!;
  }

  *#pendingOps(): Iterable<OpNode> {
    for (const t of this.#pending) if (t.storage?.kind === 'op') yield t.storage;
  }

  valueAndGradients(_f: () => Tensor, _wrt: readonly Tensor[]): ValueAndGradients {
    throw new TensorError(
      'TENSOR_UNSUPPORTED',
      `${this.name} computes forward passes only (no gradients); use a gradient-capable backend such as 'tfjs:auto' for mask calibration and first-order methods`,
    );
  }
}
