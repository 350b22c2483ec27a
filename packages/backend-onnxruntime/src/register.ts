import { registerFamily } from '@meerkat/tensor';
import { loadEngine, type RuntimeMap } from './create-backend.js';
import { ENGINES, ORT_FAMILY } from './engines.js';
import { NODE_ENGINE_SEARCH } from './node-engines.js';
import { OrtBackend } from './ort-backend.js';

export interface RegisterOrtOptions {
  /** Which runtime runs each engine; default: Node's (onnxruntime-node, wasm on onnxruntime-web). */
  readonly runtimes?: RuntimeMap;
  /** Replace earlier registrations of the same names (default false: registering twice throws). */
  readonly replace?: boolean;
}

/**
 * Registers `ort:cuda`, `ort:dml`, `ort:coreml`, `ort:cpu`, `ort:wasm` and `ort:webgpu`
 * (priorities in that order: Node's `NODE_AUTO_ORDER`) in the @meerkat/tensor registry, so `createBackend('ort:auto')`
 * picks the first that works here. Nothing is loaded until a backend is created; an engine that
 * cannot run returns `unavailable(reason)` naming what is missing and how to install it.
 */
export function registerOrtBackends(options: RegisterOrtOptions = {}): void {
  const runtimes = options.runtimes ?? NODE_ENGINE_SEARCH.runtimes;
  registerFamily(
    { ...ORT_FAMILY, order: NODE_ENGINE_SEARCH.order },
    async (engine, selection) =>
      new OrtBackend(
        await loadEngine(engine, runtimes, undefined, NODE_ENGINE_SEARCH.precheck),
        ENGINES[engine],
        { selection },
      ),
    { replace: options.replace },
  );
}

/**
 * The registry's plugin hook: `createBackend('ort:…')` imports this package and calls this when
 * no `ort:*` backend is registered yet. Registering twice is a no-op.
 */
export function registerBackends(): void {
  registerOrtBackends({ replace: true });
}
