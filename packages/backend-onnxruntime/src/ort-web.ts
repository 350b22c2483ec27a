import type { Env } from 'onnxruntime-common';
import type { OrtModule } from './ort-module.js';

/** How onnxruntime-web finds its WebAssembly files and how many threads it runs. */
export interface OrtWebOptions {
  /**
   * Where the page serves onnxruntime-web's `ort-wasm-simd-threaded.jsep.mjs` and
   * `ort-wasm-simd-threaded.jsep.wasm` (from `node_modules/onnxruntime-web/dist/`): a URL prefix
   * ending in `/` (relative prefixes are resolved against the page), or `{ mjs, wasm }` URLs.
   * Default: what `ort.env.wasm.wasmPaths` already says, else onnxruntime-web's own default (next
   * to the script it was bundled into).
   */
  readonly wasmPaths?: Env.WasmPrefixOrFilePaths;
  /**
   * WebAssembly threads (`ort.env.wasm.numThreads`). Default: `navigator.hardwareConcurrency`
   * where the page is cross-origin isolated (COOP/COEP headers; threads need SharedArrayBuffer),
   * else 1. onnxruntime-web fixes it at its first session, so the first backend decides.
   */
  readonly threads?: number;
}

/** What onnxruntime-web runs with; `summary` is appended to the backend's `selection.summary`. */
export interface OrtWasmSetup {
  /** WebAssembly threads in use (read back after the first session: 1 when threads fell back). */
  readonly numThreads: number;
  /** Whether the page is cross-origin isolated (`globalThis.crossOriginIsolated`). */
  readonly crossOriginIsolated: boolean;
  /** The `env.wasm.wasmPaths` in effect (undefined: onnxruntime-web's default). */
  readonly wasmPaths: Env.WasmPrefixOrFilePaths | undefined;
  /** One line, e.g. `wasm threads: 2 (cross-origin isolated)`. */
  readonly summary: string;
}

interface Global {
  crossOriginIsolated?: boolean;
  location?: { href?: string };
  navigator?: { hardwareConcurrency?: number };
}

/** The threads requested on each module (onnxruntime-web reads them once, at its first session). */
const requested = new WeakMap<OrtModule, number>();

/**
 * Imports onnxruntime-web by a literal specifier, so that bundlers include it (the Node entry
 * imports runtimes by name at run time, which a browser cannot resolve).
 */
export async function importOrtWeb(): Promise<OrtModule> {
  const module = (await import('onnxruntime-web')) as unknown as OrtModule & {
    default?: OrtModule;
  };
  return module.InferenceSession === undefined && module.default !== undefined
    ? module.default
    : module;
}

function resolvePrefix(paths: Env.WasmPrefixOrFilePaths): Env.WasmPrefixOrFilePaths {
  const base = (globalThis as Global).location?.href;
  if (typeof paths !== 'string' || base === undefined) return paths;
  return new URL(paths, base).href;
}

/**
 * Sets `env.wasm.wasmPaths` and `env.wasm.numThreads` on `ort` before its first session (an
 * explicit `threads` wins over a value already in `env`, which wins over the default). Returns
 * the threads asked for.
 */
export function configureOrtWeb(ort: OrtModule, options: OrtWebOptions = {}): number {
  const wasm = ort.env.wasm;
  if (options.wasmPaths !== undefined) wasm.wasmPaths = resolvePrefix(options.wasmPaths);
  const earlier = requested.get(ort);
  if (earlier !== undefined) return options.threads ?? earlier;
  const g = globalThis as Global;
  const preset = wasm.numThreads;
  const threads =
    options.threads ??
    (typeof preset === 'number' && preset > 0
      ? preset
      : g.crossOriginIsolated === true
        ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1)
        : 1);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be an integer ≥ 1, got ${threads}`);
  }
  wasm.numThreads = threads;
  requested.set(ort, threads);
  return threads;
}

/** What `ort` runs with now (call after a session was created, so fallbacks are visible). */
export function describeOrtWeb(ort: OrtModule, asked: number): OrtWasmSetup {
  const isolated = (globalThis as Global).crossOriginIsolated === true;
  const numThreads = ort.env.wasm.numThreads ?? 1;
  const why = isolated
    ? 'cross-origin isolated'
    : 'not cross-origin isolated: no SharedArrayBuffer, so one thread';
  const note =
    numThreads === asked
      ? ''
      : `; ${asked} asked, but onnxruntime-web runs ${numThreads} (fixed at its first session, or threads unsupported here)`;
  return {
    numThreads,
    crossOriginIsolated: isolated,
    wasmPaths: ort.env.wasm.wasmPaths,
    summary: `wasm threads: ${numThreads} (${why}${note})`,
  };
}

interface Gpu {
  requestAdapter(): Promise<unknown>;
}

/**
 * Why WebGPU cannot run on this page, or undefined when an adapter exists. Checked before
 * onnxruntime-web tries, so the reason names the missing adapter.
 */
export async function webgpuAdapterProblem(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (gpu === undefined) {
    return 'no WebGPU adapter: navigator.gpu is undefined (WebGPU needs Chrome/Edge 113+ on HTTPS or localhost; headless Chromium needs --enable-unsafe-webgpu)';
  }
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `no WebGPU adapter: navigator.gpu.requestAdapter() failed: ${reason}`;
  }
  if (adapter === null || adapter === undefined) {
    return 'no WebGPU adapter: navigator.gpu.requestAdapter() returned null (no usable GPU, or its driver is blocklisted; see chrome://gpu)';
  }
  return undefined;
}
