import { Input } from 'gpu.js';
import { copyKernel, fillKernel, kernelSource, scatterKernel } from './kernels.js';
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
    !(typeof SharedArrayBuffer !== 'undefined' && leaf.buffer instanceof SharedArrayBuffer) &&
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
  /** `stored` as a kernel argument viewed [W, H] (same size; no copy). */
  view(stored: Stored, W: number, H: number): unknown;
  /** Host data (ids, rows, targets) as a kernel argument viewed [n, 1]. */
  small(data: Float32Array): unknown;
  /** Runs a kernel; the raw result for an output [W, H]. */
  run(kernel: CompiledKernel, args: readonly unknown[], W: number, H: number): unknown;
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
  dimensions?: unknown;
  output?: unknown;
}

/**
 * The same device data seen with another [W, H] (W·H unchanged): a shallow copy of the gpu.js
 * texture/buffer object with new `dimensions`/`output`, sharing the GPU storage. Every kernel
 * output here is flat (1-D), so the element order is the same whatever the view: no copy.
 */
export function retag(value: unknown, W: number, H: number): unknown {
  if (value instanceof Input) return input(value.value as unknown as Float32Array, [W, H]);
  const view = Object.assign(Object.create(Object.getPrototypeOf(value) as object), value) as {
    dimensions: number[];
    output: number[];
  };
  view.dimensions = [W, H, 1];
  view.output = [W, H];
  return view;
}

/**
 * GL and WebGPU modes: tensors are gpu.js pipeline textures (webgpu: buffers, as promises).
 * Every kernel writes a flat (1-D) output, which gpu.js packs into a texture of legal size
 * whatever the row width, and `flatOutputSource` rewrites the kernel's thread ids; readers see
 * it as [W, H] through `retag`, without a copy. Upload is one copy kernel on an `input` (gpu.js
 * uploads the texture); download is the only readback. Sparse writes run `scatterKernel` over
 * the old texture with just the indices and values uploaded.
 */
export class DeviceExecutor implements Executor {
  readonly residency = 'device' as const;
  readonly #kernel: KernelFactory;
  readonly #emulated: boolean;

  /**
   * `emulated`: run this executor's logic (flat outputs, retagged views, copy/fill/scatter
   * kernels, the k-unrolled matmul) on a host mode, by keeping each result as
   * `input(flat, [W, H])` instead of a texture. For testing the device path where no GPU
   * exists; never faster than the host executor.
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

  view(stored: Stored, W: number, H: number): unknown {
    const { raw } = stored;
    return isThenable(raw) ? raw.then((value) => retag(value, W, H)) : retag(raw, W, H);
  }

  small(data: Float32Array): unknown {
    return input(data.slice(), [data.length, 1]);
  }

  run(kernel: CompiledKernel, args: readonly unknown[], W: number, H: number): unknown {
    return this.#call(kernel, args, W, H);
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
    const { W, H } = stored;
    const k = this.#kernel('scatter', scatterKernel, { W, count, steps }, W, H, [
      `${W}x${H}`,
      `${count}`,
    ]);
    const args = [
      this.view(stored, W, H),
      this.small(Float32Array.from(sortedIndices)),
      this.small(sortedValues),
    ];
    return this.#call(k, args, W, H);
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

/**
 * A kernel source rewritten for a flat output of W·H cells: `this.thread.x`/`.y` become the
 * column and row of the flat cell id (recomputed exactly with a correction step, since GL
 * divides in float32), read from the constant `outW`.
 */
export function flatOutputSource(source: string): string {
  const open = source.indexOf('{');
  const body = source
    .slice(open + 1)
    .replaceAll('this.thread.x', '_col')
    .replaceAll('this.thread.y', '_row');
  const prelude =
    ' const _cell = this.thread.x; let _row = Math.floor(_cell / this.constants.outW);' +
    ' let _col = _cell - _row * this.constants.outW;' +
    ' if (_col < 0) { _row = _row - 1; _col = _col + this.constants.outW; }' +
    ' if (_col >= this.constants.outW) { _row = _row + 1; _col = _col - this.constants.outW; }';
  return `${source.slice(0, open + 1)}${prelude}${body}`;
}

export { kernelSource };
