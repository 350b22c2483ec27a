import { Input } from 'gpu.js';
import { copyKernel, fillKernel, kernelSource, relayoutKernel, scatterKernel } from './kernels.js';
import type { Residency } from './modes.js';

/** gpu.js's `input(value, size)`, through its class (its typings declare `input` as a type only). */
function input(value: Float32Array, size: [number, number]): unknown {
  return new Input(value as unknown as number[], size);
}

/**
 * Where tensor data lives and how kernels see it. A stored tensor is `raw` laid out row-major
 * with `W` columns and `H` rows (W·H = size): on webasm/cpu a `Float32Array` in host memory
 * (gpu.js's "device" there is the host), on GL/WebGPU modes a gpu.js pipeline texture/buffer
 * (or, on webgpu, a promise of one) that never leaves the device until `download`.
 */
export interface Stored {
  readonly raw: unknown;
  readonly W: number;
  readonly H: number;
}

/** A compiled gpu.js kernel, as this package calls it. */
export interface CompiledKernel {
  (...args: unknown[]): unknown;
  destroy?(removeCanvasReferences?: boolean): void;
}

/** Compiles (once, cached by the backend) a kernel for an output [W, H]. */
export type KernelFactory = (
  name: string,
  fn: (...args: never[]) => unknown,
  constants: Readonly<Record<string, number>>,
  W: number,
  H: number,
  argDims: readonly string[],
) => CompiledKernel;

/** A kernel result to unpack on the host: rows blocked by 4 ([row block, column, 4] order). */
export interface RowBlocked {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly mb: number;
}

interface Thenable {
  then(onFulfilled: (value: unknown) => unknown): unknown;
}

function isThenable(value: unknown): value is Thenable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Copies gpu.js's nested result (Float32Array, rows of them, or layers of rows) into flat. */
export function flattenResult(result: unknown, size: number): Float32Array {
  if (result instanceof Float32Array) {
    if (
      result.length === size &&
      result.byteOffset === 0 &&
      result.buffer.byteLength === size * 4
    ) {
      return result;
    }
    return result.slice(0, size);
  }
  // webasm: every row is a subarray of one fresh slice; reuse it when it is exactly ours
  let leaf: unknown = result;
  while (Array.isArray(leaf)) leaf = leaf[0];
  if (
    leaf instanceof Float32Array &&
    leaf.byteOffset === 0 &&
    leaf.buffer.byteLength === size * 4 &&
    !(leaf.buffer instanceof SharedArrayBuffer) &&
    leaf.length * countLeaves(result) === size
  ) {
    return new Float32Array(leaf.buffer, 0, size);
  }
  const out = new Float32Array(size);
  let at = 0;
  const walk = (value: unknown): void => {
    if (value instanceof Float32Array) {
      out.set(value, at);
      at += value.length;
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (typeof value === 'number') {
      out[at++] = value;
    }
  };
  walk(result);
  return out;
}

function countLeaves(value: unknown): number {
  if (!Array.isArray(value)) return 1;
  let n = 0;
  for (const item of value) n += countLeaves(item);
  return n;
}

/** Unpacks a row-blocked matmul result into row-major [batch, m, n]. */
export function unpackRowBlocks(data: Float32Array, b: RowBlocked): Float32Array {
  const { batch, m, n, mb } = b;
  const out = new Float32Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    for (let ib = 0; ib < mb; ib++) {
      const rows = Math.min(4, m - ib * 4);
      const src = (p * mb + ib) * n * 4;
      for (let r = 0; r < rows; r++) {
        const dst = (p * m + ib * 4 + r) * n;
        for (let j = 0; j < n; j++) out[dst + j] = data[src + j * 4 + r]!;
      }
    }
  }
  return out;
}

/** What differs between host-resident (webasm, cpu) and device-resident (GL, WebGPU) modes. */
export interface Executor {
  readonly residency: Residency;
  upload(data: Float32Array, W: number, H: number): unknown;
  fill(value: number, W: number, H: number): unknown;
  /** `stored` as a kernel argument viewed [W, H] (same size); adds temporaries to `temps`. */
  view(stored: Stored, W: number, H: number, temps: unknown[]): unknown;
  /** Host data (ids, rows, targets) as a kernel argument viewed [n, 1]. */
  small(data: Float32Array): unknown;
  /** Runs a kernel; the raw result for an output [W, H]. */
  run(
    kernel: CompiledKernel,
    args: readonly unknown[],
    W: number,
    H: number,
    temps: unknown[],
  ): unknown;
  /** Runs a row-blocked matmul kernel and unpacks it (host modes only). */
  runRowBlocked(kernel: CompiledKernel, args: readonly unknown[], blocked: RowBlocked): unknown;
  download(stored: Stored): Promise<Float32Array>;
  /** A sparse overwrite: returns the new raw (host: `raw` itself, written in place). */
  scatter(
    stored: Stored,
    sortedIndices: Uint32Array,
    sortedValues: Float32Array,
    inPlace: boolean,
  ): unknown;
  free(raw: unknown): void;
  bytes(stored: Stored): number;
}

/** webasm and cpu: tensors are Float32Arrays; kernels read `input(data, [W, H])` views. */
export class HostExecutor implements Executor {
  readonly residency = 'host' as const;

  upload(data: Float32Array): unknown {
    return data.slice();
  }

  fill(value: number, W: number, H: number): unknown {
    return new Float32Array(W * H).fill(value);
  }

  view(stored: Stored, W: number, H: number): unknown {
    return input(stored.raw as Float32Array, [W, H]);
  }

  small(data: Float32Array): unknown {
    return input(data, [data.length, 1]);
  }

  run(kernel: CompiledKernel, args: readonly unknown[], W: number, H: number): unknown {
    return flattenResult(kernel(...args), W * H);
  }

  runRowBlocked(kernel: CompiledKernel, args: readonly unknown[], blocked: RowBlocked): unknown {
    const size = blocked.batch * blocked.mb * blocked.n * 4;
    return unpackRowBlocks(flattenResult(kernel(...args), size), blocked);
  }

  async download(stored: Stored): Promise<Float32Array> {
    return (stored.raw as Float32Array).slice();
  }

  scatter(
    stored: Stored,
    sortedIndices: Uint32Array,
    sortedValues: Float32Array,
    inPlace: boolean,
  ): unknown {
    const data = inPlace ? (stored.raw as Float32Array) : (stored.raw as Float32Array).slice();
    for (let i = 0; i < sortedIndices.length; i++) data[sortedIndices[i]!] = sortedValues[i]!;
    return data;
  }

  free(): void {}

  bytes(stored: Stored): number {
    return (stored.raw as Float32Array).byteLength;
  }
}

interface DeviceValue {
  delete?(): void;
  toArray?(): unknown;
}

/**
 * GL and WebGPU modes: tensors are gpu.js pipeline textures (webgpu: buffers, as promises).
 * Kernels take them directly; a view with another width costs one on-device relayout kernel.
 * Upload is one copy kernel on an `input` (gpu.js uploads the texture); download is the only
 * readback. Sparse writes run `scatterKernel` over the old texture with just the indices and
 * values uploaded.
 */
export class DeviceExecutor implements Executor {
  readonly residency = 'device' as const;
  readonly #kernel: KernelFactory;
  readonly #emulated: boolean;

  /**
   * `emulated`: run this executor's logic (copy/fill/relayout/scatter kernels, unrolled matmul)
   * on a host mode, by keeping each result as `input(flat, [W, H])` instead of a texture. For
   * testing the device path where no GPU exists; never faster than the host executor.
   */
  constructor(kernel: KernelFactory, emulated = false) {
    this.#kernel = kernel;
    this.#emulated = emulated;
  }

  #adapt(result: unknown, W: number, H: number): unknown {
    return this.#emulated ? input(flattenResult(result, W * H).slice(), [W, H]) : result;
  }

  #call(kernel: CompiledKernel, args: readonly unknown[], W: number, H: number): unknown {
    if (args.some(isThenable)) {
      return Promise.all(args).then((values) => this.#adapt(kernel(...values), W, H));
    }
    const result = kernel(...args);
    return isThenable(result)
      ? result.then((value) => this.#adapt(value, W, H))
      : this.#adapt(result, W, H);
  }

  upload(data: Float32Array, W: number, H: number): unknown {
    const k = this.#kernel('copy', copyKernel, {}, W, H, [`${W}x${H}`]);
    return this.#call(k, [input(data.slice(), [W, H])], W, H);
  }

  fill(value: number, W: number, H: number): unknown {
    return this.#call(this.#kernel('fill', fillKernel, {}, W, H, []), [value], W, H);
  }

  view(stored: Stored, W: number, H: number, temps: unknown[]): unknown {
    if (stored.W === W && stored.H === H) return stored.raw;
    const k = this.#kernel('relayout', relayoutKernel, { W, w: stored.W }, W, H, [
      `${stored.W}x${stored.H}`,
    ]);
    const out = this.#call(k, [stored.raw], W, H);
    temps.push(out);
    return out;
  }

  small(data: Float32Array): unknown {
    return input(data.slice(), [data.length, 1]);
  }

  run(
    kernel: CompiledKernel,
    args: readonly unknown[],
    W: number,
    H: number,
    temps: unknown[],
  ): unknown {
    const out = this.#call(kernel, args, W, H);
    for (const t of temps.splice(0)) {
      if (isThenable(out)) out.then(() => this.free(t));
      else this.free(t);
    }
    return out;
  }

  runRowBlocked(): unknown {
    throw new Error('internal: row-blocked kernels run on host modes only');
  }

  async download(stored: Stored): Promise<Float32Array> {
    const value = (await stored.raw) as DeviceValue;
    const array =
      value instanceof Input
        ? value.value
        : typeof value.toArray === 'function'
          ? await value.toArray()
          : value;
    return flattenResult(array, stored.W * stored.H).slice();
  }

  scatter(stored: Stored, sortedIndices: Uint32Array, sortedValues: Float32Array): unknown {
    const count = sortedIndices.length;
    const steps = Math.ceil(Math.log2(count + 1)) + 1;
    const k = this.#kernel(
      'scatter',
      scatterKernel,
      { W: stored.W, count, steps },
      stored.W,
      stored.H,
      [`${stored.W}x${stored.H}`, `${count}`],
    );
    return this.#call(
      k,
      [stored.raw, this.small(Float32Array.from(sortedIndices)), this.small(sortedValues)],
      stored.W,
      stored.H,
    );
  }

  free(raw: unknown): void {
    if (isThenable(raw)) {
      raw.then((value) => (value as DeviceValue).delete?.());
    } else {
      (raw as DeviceValue).delete?.();
    }
  }

  bytes(stored: Stored): number {
    return stored.W * stored.H * 4;
  }
}

export { kernelSource };
