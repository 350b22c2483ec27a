import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type CreateOrtOptions,
  createOrtBackendWith,
  type EngineSearch,
  NODE_RUNTIMES,
} from './create-backend.js';
import { NODE_AUTO_ORDER, type OrtEngine, type OrtRuntime } from './engines.js';
import type { OrtBackend } from './ort-backend.js';

/** Provider libraries onnxruntime-node loads beside its binding, which its CPU build lacks. */
const PROVIDER_LIBRARIES: Partial<Record<OrtEngine, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
};

/**
 * Whether onnxruntime-node has the engine's provider library at all. The CPU package has none of
 * CUDA's: looking first keeps ONNX Runtime from logging a load failure on every `ort:auto`.
 */
export function nodeEnginePrecheck(engine: OrtEngine, runtime: OrtRuntime): string | undefined {
  const library = PROVIDER_LIBRARIES[engine];
  if (runtime !== 'onnxruntime-node' || library === undefined) return undefined;
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined; // not installed: the import reports it
  }
  const binDir = join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(join(binDir, library))
    ? undefined
    : `the ${engine.toUpperCase()} provider is not installed (no ${library} in ${binDir})`;
}

/** Node's engines: onnxruntime-node (native providers), onnxruntime-web for `ort:wasm`. */
export const NODE_ENGINE_SEARCH: EngineSearch = {
  runtimes: NODE_RUNTIMES,
  order: NODE_AUTO_ORDER,
  precheck: nodeEnginePrecheck,
};

/**
 * Creates an ONNX Runtime backend on one engine, or on the best available one for `'auto'`
 * (cuda > dml > coreml > cpu > wasm; webgpu only when named). `backend.selection` says which
 * engine was chosen and why better ones were skipped. Throws `TENSOR_BACKEND_UNAVAILABLE` with
 * every reason when nothing works, and `TENSOR_INVALID_ARGUMENT` for an unknown engine.
 */
export function createOrtBackend(options: CreateOrtOptions = {}): Promise<OrtBackend> {
  return createOrtBackendWith(options, NODE_ENGINE_SEARCH);
}
