import { errorReason, firstAvailable, registerFamily } from '@meerkat/tensor';
import {
  BROWSER_RUNTIMES,
  type CreateOrtOptions,
  loadEngine,
  type RuntimeMap,
} from './create-backend.js';
import { AUTO_ORDER, ENGINES, ORT_FAMILY, type OrtEngine } from './engines.js';
import { type EngineSelection, OrtBackend, type OrtBackendOptions } from './ort-backend.js';
import type { OrtModule } from './ort-module.js';
import {
  configureOrtWeb,
  describeOrtWeb,
  importOrtWeb,
  type OrtWasmSetup,
  type OrtWebOptions,
  webgpuAdapterProblem,
} from './ort-web.js';

/**
 * Options of the browser entry's `createOrtBackend`: those of the Node entry, plus where the page
 * serves onnxruntime-web's WebAssembly files and how many threads it runs. `threads` here is
 * `ort.env.wasm.numThreads` (onnxruntime-web has no per-session thread count).
 */
export interface CreateBrowserOrtOptions extends Omit<CreateOrtOptions, 'threads'>, OrtWebOptions {}

/** Options of the browser entry's `registerOrtBackends`. */
export interface RegisterBrowserOrtOptions extends OrtWebOptions {
  /** Which runtime runs each engine; default `BROWSER_RUNTIMES` (onnxruntime-web: webgpu, wasm). */
  readonly runtimes?: RuntimeMap;
  /** Replace earlier registrations of the same names (default false: registering twice throws). */
  readonly replace?: boolean;
  /** A configured onnxruntime-web module; default: imported on first use. */
  readonly ort?: OrtModule;
}

const setups = new WeakMap<OrtBackend, OrtWasmSetup>();

/** The WebAssembly setup of a backend made by the browser entry (threads, isolation, paths). */
export function wasmSetupOf(backend: OrtBackend): OrtWasmSetup | undefined {
  return setups.get(backend);
}

interface Attempt {
  readonly ort: OrtModule | undefined;
  readonly web: OrtWebOptions;
  readonly runtimes: RuntimeMap;
}

/** Makes the module ready for `engine` (import, env, adapter), or throws the reason. */
async function readyModule(engine: OrtEngine, attempt: Attempt): Promise<OrtModule> {
  if (engine === 'webgpu' && attempt.runtimes.webgpu !== undefined) {
    const problem = await webgpuAdapterProblem();
    if (problem !== undefined) throw new Error(problem);
  }
  if (attempt.runtimes[engine] === undefined) {
    // loadEngine says why (not offered here) without importing anything.
    return loadEngine(engine, attempt.runtimes);
  }
  let ort: OrtModule;
  try {
    ort = attempt.ort ?? (await importOrtWeb());
  } catch (error) {
    throw new Error(
      `could not import onnxruntime-web (${ENGINES[engine].hint}): ${errorReason(error, true)}`,
    );
  }
  return ort;
}

/** Loads `engine` (the probe session runs here) and makes the backend with its wasm setup. */
async function makeBackend(
  engine: OrtEngine,
  attempt: Attempt,
  selection: EngineSelection,
  backendOptions: Omit<OrtBackendOptions, 'selection' | 'threads'>,
): Promise<OrtBackend> {
  const ort = await readyModule(engine, attempt);
  const asked = configureOrtWeb(ort, attempt.web);
  await loadEngine(engine, attempt.runtimes, ort);
  const setup = describeOrtWeb(ort, asked);
  const backend = new OrtBackend(ort, ENGINES[engine], {
    ...backendOptions,
    selection: { ...selection, summary: `${selection.summary}; ${setup.summary}` },
  });
  setups.set(backend, setup);
  return backend;
}

/**
 * The browser entry's `createOrtBackend`: `ort:webgpu` (where `navigator.gpu` has an adapter) or
 * `ort:wasm` on onnxruntime-web, `auto` trying them in that order. Sets onnxruntime-web's
 * `env.wasm.wasmPaths` and `numThreads` first (see `OrtWebOptions`); `backend.selection.summary`
 * ends with the threads used and why, and `wasmSetupOf(backend)` has them as values. Throws
 * `TENSOR_BACKEND_UNAVAILABLE` with every reason when nothing works (an explicit `webgpu` never
 * falls back to `wasm`), `TENSOR_INVALID_ARGUMENT` for an unknown engine.
 */
export async function createBrowserOrtBackend(
  options: CreateBrowserOrtOptions = {},
  runtimes: RuntimeMap = BROWSER_RUNTIMES,
): Promise<OrtBackend> {
  const {
    engine: requested = 'auto',
    ort,
    wasmPaths,
    threads,
    ...backendOptions
  }: CreateBrowserOrtOptions = options;
  const web: OrtWebOptions = {
    ...(wasmPaths === undefined ? {} : { wasmPaths }),
    ...(threads === undefined ? {} : { threads }),
  };
  const found = await firstAvailable(
    ORT_FAMILY,
    requested,
    (engine, selection) => makeBackend(engine, { ort, web, runtimes }, selection, backendOptions),
    AUTO_ORDER.filter((e) => runtimes[e] !== undefined),
  );
  return found.made;
}

/**
 * The browser entry's `registerOrtBackends`: registers every `ort:*` name at the Node entry's
 * priorities, each made by onnxruntime-web as `createOrtBackend` makes it; engines browsers lack
 * (cuda, dml, coreml, cpu) report `unavailable` with the reason. `createBackend('ort:auto')` then
 * gets `ort:webgpu` where an adapter exists, else `ort:wasm`.
 */
export function registerBrowserOrtBackends(options: RegisterBrowserOrtOptions = {}): void {
  const runtimes = options.runtimes ?? BROWSER_RUNTIMES;
  const web: OrtWebOptions = {
    ...(options.wasmPaths === undefined ? {} : { wasmPaths: options.wasmPaths }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  // Engines this environment does not offer at all are not named as skipped, as `auto` leaves
  // them out.
  registerFamily(
    ORT_FAMILY,
    (engine, selection) => makeBackend(engine, { ort: options.ort, web, runtimes }, selection, {}),
    { reportsSkip: (engine) => runtimes[engine] !== undefined, replace: options.replace },
  );
}

/** The registry's plugin hook in browsers: registers the `ort:*` names (again: a no-op). */
export function registerBrowserBackends(): void {
  registerBrowserOrtBackends({ replace: true });
}
