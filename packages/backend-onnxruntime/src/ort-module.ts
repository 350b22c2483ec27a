import type { Env, InferenceSession, Tensor } from 'onnxruntime-common';
import type { OrtRuntime } from './engines.js';

/**
 * The part of the ONNX Runtime JavaScript API this package uses; `onnxruntime-node` and
 * `onnxruntime-web` both provide it (their common API is `onnxruntime-common`).
 */
export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: typeof Tensor;
  readonly env: Env;
}

/**
 * Imports the runtime package (in Node: onnxruntime-node for native engines, onnxruntime-web for
 * `ort:wasm`/`ort:webgpu`). Throws with the import's own reason when it is not installed.
 */
export async function importRuntime(runtime: OrtRuntime): Promise<OrtModule> {
  const module = (await import(/* @vite-ignore */ runtime)) as OrtModule & { default?: OrtModule };
  return module.InferenceSession === undefined && module.default !== undefined
    ? module.default
    : module;
}
