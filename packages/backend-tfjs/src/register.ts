import { type BackendFactory, registerBackend, unavailable } from '@meerkat/tensor';
import { ENGINE_ORDER, type EngineLoader, type EngineVariant, loadEngine } from './engines.js';
import { describeSelection, TfjsBackend } from './tfjs-backend.js';

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
  /** Why each engine last failed to load here (for `selection.skipped`). */
  const failures = new Map<EngineVariant, string>();
  ENGINE_ORDER.forEach((variant, priority) => {
    const factory: BackendFactory = async () => {
      try {
        const engine = await loader(variant);
        failures.delete(variant);
        const better = ENGINE_ORDER.slice(0, priority);
        const skipped = better.flatMap((engine) => {
          const reason = failures.get(engine);
          return reason === undefined ? [] : [{ engine, reason }];
        });
        return new TfjsBackend(engine, describeSelection(variant, skipped));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.set(variant, reason);
        return unavailable(reason);
      }
    };
    registerBackend(`tfjs:${variant}`, factory, {
      priority,
      ...(options.replace === undefined ? {} : { replace: options.replace }),
    });
  });
}

/**
 * The registry's plugin hook: `createBackend('tfjs:…')` imports this package and calls this
 * when no `tfjs:*` backend is registered yet. Registering twice is a no-op.
 */
export function registerBackends(): void {
  registerTfjsBackends({ replace: true });
}
