import { errorReason, firstAvailable } from '@meerkat/tensor';
import { ENGINES, ORT_FAMILY, type OrtEngine, type OrtRuntime } from './engines.js';
import { OrtBackend, type OrtBackendOptions } from './ort-backend.js';
import { importRuntime, type OrtModule } from './ort-module.js';
import { probeEngine } from './probe-engine.js';

/** Which runtime package runs each engine where this entry is loaded (Node or browser). */
export type RuntimeMap = Readonly<Partial<Record<OrtEngine, OrtRuntime>>>;

/** Node: native engines on onnxruntime-node, `wasm` on onnxruntime-web. */
export const NODE_RUNTIMES: RuntimeMap = {
  cuda: 'onnxruntime-node',
  dml: 'onnxruntime-node',
  coreml: 'onnxruntime-node',
  webgpu: 'onnxruntime-node',
  cpu: 'onnxruntime-node',
  wasm: 'onnxruntime-web',
};

/**
 * A cheap look before loading an engine (e.g. is the CUDA provider library there at all), so
 * that a provider that cannot load is not probed; returns what is missing, or undefined.
 */
export type EnginePrecheck = (engine: OrtEngine, runtime: OrtRuntime) => string | undefined;

/** Browsers: onnxruntime-web's WebGPU and wasm engines. */
export const BROWSER_RUNTIMES: RuntimeMap = { webgpu: 'onnxruntime-web', wasm: 'onnxruntime-web' };

const PLATFORM_ONLY: Partial<Record<OrtEngine, string>> = { dml: 'win32', coreml: 'darwin' };

export interface CreateOrtOptions extends Omit<OrtBackendOptions, 'selection'> {
  /** An engine, or `auto` (default) for the first that works here in `AUTO_ORDER`. */
  readonly engine?: OrtEngine | 'auto';
  /**
   * The ONNX Runtime module to use (e.g. an `onnxruntime-web` you configured yourself, with
   * `env.wasm.wasmPaths`). Default: imported by engine.
   */
  readonly ort?: OrtModule;
}

/**
 * Loads the engine's runtime and checks that its execution provider runs (a tiny probe
 * session). Returns the module, or throws with the reason and what to install.
 */
export async function loadEngine(
  engine: OrtEngine,
  runtimes: RuntimeMap,
  given?: OrtModule,
  precheck?: EnginePrecheck,
): Promise<OrtModule> {
  const spec = ENGINES[engine];
  const runtime = runtimes[engine];
  if (runtime === undefined) throw new Error(`not offered in this environment (${spec.hint})`);
  const problem = precheck?.(engine, runtime);
  if (problem !== undefined) throw new Error(`${problem} (${spec.hint})`);
  const platform = PLATFORM_ONLY[engine];
  const here = (globalThis as { process?: { platform?: string } }).process?.platform;
  if (platform !== undefined && here !== platform) {
    throw new Error(`${spec.hint}; this is ${here ?? 'a browser'}`);
  }
  let ort: OrtModule;
  try {
    ort = given ?? (await importRuntime(runtime));
  } catch (error) {
    throw new Error(`could not import ${runtime} (${spec.hint}): ${errorReason(error, true)}`);
  }
  try {
    await probeEngine(ort, spec);
  } catch (error) {
    throw new Error(
      `${runtime}'s ${spec.executionProvider} provider does not run here: ${errorReason(error, true)} (${spec.hint})`,
    );
  }
  return ort;
}

/** How `createOrtBackendWith` looks for engines where it runs. */
export interface EngineSearch {
  readonly runtimes: RuntimeMap;
  /** The `auto` order. */
  readonly order: readonly OrtEngine[];
  readonly precheck?: EnginePrecheck;
}

/**
 * Creates an ONNX Runtime backend on one engine, or on the first of `search.order` that works for
 * `'auto'`. `backend.selection` says which engine was chosen and why better ones were skipped.
 * Throws `TENSOR_BACKEND_UNAVAILABLE` with every reason when nothing works, and
 * `TENSOR_INVALID_ARGUMENT` for an unknown engine.
 */
export async function createOrtBackendWith(
  options: CreateOrtOptions,
  search: EngineSearch,
): Promise<OrtBackend> {
  const { engine: requested = 'auto', ort: given, ...backendOptions } = options;
  const found = await firstAvailable(
    ORT_FAMILY,
    requested,
    async (engine, selection) =>
      new OrtBackend(
        await loadEngine(engine, search.runtimes, given, search.precheck),
        ENGINES[engine],
        { ...backendOptions, selection },
      ),
    search.order,
  );
  return found.made;
}
