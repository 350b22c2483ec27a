import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DirectionPool } from './direction-pool.js';
import { DIRECTION_WORKER_SOURCE } from './direction-worker-source.js';
import { type DirectionOptions, fillDirectionRange, resolveDirectionRange } from './directions.js';
import { ZoError } from './errors.js';
import { gaussianWasmModuleBytes } from './gaussian-wasm.js';
import { philoxWasmModuleBytes, WASM_CHUNK_BLOCKS } from './philox-wasm.js';

/** Most threads a pool may have. */
export const MAX_DIRECTION_POOL_THREADS = 256;

export interface DirectionPoolOptions {
  /** Worker threads, an integer in [1, 256]. Default `os.availableParallelism()`. */
  readonly threads?: number;
}

interface PendingFill {
  remaining: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  /** Shards sent and not answered yet: the worker is ref'd exactly while this is > 0. */
  busy: number;
}

interface ShardMessage {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly firstBlock: number;
  readonly endBlock: number;
  readonly k0: number;
  readonly k1: number;
  readonly stream: number;
  readonly gaussian: boolean;
}

interface WorkerReply {
  readonly id: number;
  readonly error?: string;
}

/** The slice of the WebAssembly JS API used here (no DOM lib: Node has it as a global). */
const wasm = (
  globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }
).WebAssembly;

function sharedFloat32Array(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/**
 * A `DirectionPool` on `node:worker_threads`. Each fill splits the whole Philox blocks of the
 * range into one contiguous shard per thread; every thread runs the same WebAssembly kernels as
 * `fillDirectionRange` on its shard, writing into shared memory, and the at most two partial
 * blocks at the ends are computed on the calling thread. The result is bit-identical to
 * `fillDirectionRange` on one thread.
 *
 * Idle threads do not keep the process alive (they are unref'd between fills), but call
 * `close()` when done to stop them.
 */
class WorkerDirectionPool implements DirectionPool {
  readonly threads: number;
  private readonly slots: WorkerSlot[];
  private readonly pending = new Map<number, PendingFill>();
  private nextId = 0;
  private closing: Promise<void> | undefined;
  private failure: ZoError | undefined;
  /** Reused shared buffer for fills into a non-shared array (one such fill at a time). */
  private staging: Float32Array | undefined;
  private stagingBusy = false;

  constructor(threads: number) {
    this.threads = threads;
    const workerData = {
      gaussianModule: new wasm.Module(gaussianWasmModuleBytes()),
      philoxModule: new wasm.Module(philoxWasmModuleBytes()),
      chunkBlocks: WASM_CHUNK_BLOCKS,
    };
    this.slots = [];
    for (let t = 0; t < threads; t++) {
      const slot: WorkerSlot = {
        worker: new Worker(DIRECTION_WORKER_SOURCE, { eval: true, workerData }),
        busy: 0,
      };
      slot.worker.unref();
      slot.worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
      slot.worker.on('error', (error) =>
        this.fail(`direction worker ${t} failed: ${error.message}`),
      );
      slot.worker.on('exit', (code) => {
        if (this.closing === undefined) this.fail(`direction worker ${t} exited (code ${code})`);
      });
      this.slots.push(slot);
    }
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  allocate(length: number): Float32Array {
    if (!(Number.isInteger(length) && length >= 0)) {
      throw new ZoError('ZO_INVALID_ARGUMENT', `length must be an integer >= 0, got ${length}`);
    }
    return sharedFloat32Array(length);
  }

  fill(seed: bigint, out: Float32Array, options: DirectionOptions = {}): Promise<Float32Array> {
    return this.fillRange(seed, out, 0, options);
  }

  async fillRange(
    seed: bigint,
    out: Float32Array,
    from: number,
    options: DirectionOptions = {},
  ): Promise<Float32Array> {
    this.checkOpen();
    const { k0, k1, stream, distribution, to } = resolveDirectionRange(seed, out, from, options);
    if (options.engine === 'js') {
      // The pure-JS engine is a fallback for runtimes without WebAssembly; honour it here.
      return fillDirectionRange(seed, out, from, options);
    }
    const shared = out.buffer instanceof SharedArrayBuffer;
    let target = out;
    let staged = false;
    if (!shared) {
      if (!this.stagingBusy && out.length > 0) {
        if (this.staging === undefined || this.staging.length < out.length) {
          this.staging = sharedFloat32Array(out.length);
        }
        target = this.staging.subarray(0, out.length);
        this.stagingBusy = true;
        staged = true;
      } else {
        target = sharedFloat32Array(out.length);
      }
    }
    let ok = false;
    try {
      const firstWhole = Math.ceil(from / 4);
      const endWhole = Math.max(firstWhole, Math.floor(to / 4));
      const headEnd = Math.min(to, 4 * firstWhole);
      const tailStart = Math.min(to, Math.max(headEnd, 4 * endWhole));
      const done = this.dispatch(target, from, firstWhole, endWhole, {
        k0,
        k1,
        stream,
        gaussian: distribution === 'gaussian',
      });
      // The partial blocks at the ends, on this thread while the workers run.
      if (headEnd > from) {
        fillDirectionRange(seed, target.subarray(0, headEnd - from), from, options);
      }
      if (to > tailStart) {
        fillDirectionRange(seed, target.subarray(tailStart - from), tailStart, options);
      }
      await done;
      if (target !== out) out.set(target);
      ok = true;
      return out;
    } finally {
      if (staged) {
        this.stagingBusy = false;
        // After a failure a shard may still be writing into the staging buffer: drop it.
        if (!ok) this.staging = undefined;
      }
    }
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      const error = new ZoError(
        'ZO_POOL_CLOSED',
        'the direction pool was closed while this fill was in flight',
      );
      this.closing = Promise.all(this.slots.map((slot) => slot.worker.terminate())).then(
        () => undefined,
      );
      this.rejectAll(error);
    }
    return this.closing;
  }

  private checkOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing !== undefined) {
      throw new ZoError(
        'ZO_POOL_CLOSED',
        'the direction pool is closed; create a new one with createDirectionPool()',
      );
    }
  }

  /** Sends one contiguous shard of whole blocks to each thread; settles when all are written. */
  private dispatch(
    target: Float32Array,
    from: number,
    firstWhole: number,
    endWhole: number,
    key: Pick<ShardMessage, 'k0' | 'k1' | 'stream' | 'gaussian'>,
  ): Promise<void> {
    const blocks = endWhole - firstWhole;
    if (blocks <= 0) return Promise.resolve();
    const perThread = Math.ceil(blocks / this.threads);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const fill: PendingFill = { remaining: 0, resolve, reject };
      this.pending.set(id, fill);
      for (let t = 0; t < this.threads; t++) {
        const firstBlock = firstWhole + t * perThread;
        const endBlock = Math.min(endWhole, firstBlock + perThread);
        if (firstBlock >= endBlock) break;
        const slot = this.slots[t]!;
        if (slot.busy++ === 0) slot.worker.ref();
        fill.remaining++;
        const message: ShardMessage = {
          id,
          buffer: target.buffer as SharedArrayBuffer,
          byteOffset: target.byteOffset + 4 * (4 * firstBlock - from),
          firstBlock,
          endBlock,
          ...key,
        };
        slot.worker.postMessage(message);
      }
    });
  }

  private onReply(slot: WorkerSlot, reply: WorkerReply): void {
    if (--slot.busy === 0) slot.worker.unref();
    const fill = this.pending.get(reply.id);
    if (fill === undefined) return; // already rejected
    if (reply.error !== undefined) {
      this.pending.delete(reply.id);
      fill.reject(new ZoError('ZO_WORKER_FAILED', `direction worker failed: ${reply.error}`));
      return;
    }
    if (--fill.remaining === 0) {
      this.pending.delete(reply.id);
      fill.resolve();
    }
  }

  /** A worker died: the pool cannot produce whole directions any more. */
  private fail(message: string): void {
    if (this.failure !== undefined || this.closing !== undefined) return;
    this.failure = new ZoError(
      'ZO_WORKER_FAILED',
      `${message}; the pool is closed — create a new one`,
    );
    this.rejectAll(this.failure);
    void this.close();
  }

  private rejectAll(error: ZoError): void {
    for (const fill of this.pending.values()) fill.reject(error);
    this.pending.clear();
  }
}

/**
 * Starts a pool of worker threads that fill one direction together (full-parameter ZO, k in the
 * millions); give it to `ZoOptimizer` as `directionPool`, and `close()` it when done.
 * Node only (`@meerkat/zo-estimator/node`).
 */
export function createDirectionPool(options: DirectionPoolOptions = {}): DirectionPool {
  const threads = options.threads ?? availableParallelism();
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_DIRECTION_POOL_THREADS)) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `threads must be an integer in [1, ${MAX_DIRECTION_POOL_THREADS}], got ${String(threads)}`,
    );
  }
  return new WorkerDirectionPool(threads);
}
