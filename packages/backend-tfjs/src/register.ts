import { registerFamily } from '@meerkat/tensor';
import { type EngineLoader, loadEngine, TFJS_FAMILY } from './engines.js';
import { TfjsBackend } from './tfjs-backend.js';

export interface RegisterTfjsOptions {
  /** Engine loader; defaults to the real one. A test seam to simulate installed/missing peers. */
  readonly loader?: EngineLoader;
  /** Replace earlier registrations of the same names (default false: registering twice throws). */
  readonly replace?: boolean;
}

/**
 * Registers `tfjs:node-gpu`, `tfjs:node`, `tfjs:wasm` and `tfjs:cpu` (priorities 0–3) in the
 * @meerkat/tensor registry, so `createBackend('tfjs:auto')` picks node-gpu > node > wasm > cpu.
 * Nothing is imported until a backend is created; a missing optional peer makes its factory
 * return `unavailable(reason)` with the install command and the real import error. The backend
 * `tfjs:auto` returns carries `selection`: the engine chosen and why better ones were skipped.
 */
export function registerTfjsBackends(options: RegisterTfjsOptions = {}): void {
  const loader = options.loader ?? loadEngine;
  registerFamily(
    TFJS_FAMILY,
    async (engine, selection) => new TfjsBackend(await loader(engine), selection),
    { replace: options.replace },
  );
}

/**
 * The registry's plugin hook: `createBackend('tfjs:…')` imports this package and calls this
 * when no `tfjs:*` backend is registered yet. Registering twice is a no-op.
 */
export function registerBackends(): void {
  registerTfjsBackends({ replace: true });
}
