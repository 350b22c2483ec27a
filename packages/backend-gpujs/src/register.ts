import { type BackendFactory, registerBackend, unavailable } from '@meerkat/tensor';
import { type GpuLoader, loadGpu } from './gpu-loader.js';
import { describeSelection, GpujsBackend } from './gpujs-backend.js';
import { AUTO_ORDER, type GpujsMode } from './modes.js';

export interface RegisterGpujsOptions {
  /** Creates a `GPU` per mode; defaults to the real one. A test seam to simulate modes. */
  readonly loader?: GpuLoader;
  /** Replace earlier registrations of the same names (default false: registering twice throws). */
  readonly replace?: boolean;
}

/**
 * Registers `gpujs:webgpu`, `gpujs:webgl2`, `gpujs:webgl`, `gpujs:headlessgl`, `gpujs:webasm`
 * and `gpujs:cpu` (priorities in that order) in the @meerkat/tensor registry, so
 * `createBackend('gpujs:auto')` picks the first that works here. Nothing native is loaded until
 * a backend is created; a mode that cannot run returns `unavailable(reason)` with what to do.
 * The backend `gpujs:auto` returns carries `selection`: the mode chosen and why better ones
 * were skipped.
 */
export function registerGpujsBackends(options: RegisterGpujsOptions = {}): void {
  const loader = options.loader ?? loadGpu;
  const failures = new Map<GpujsMode, string>();
  AUTO_ORDER.forEach((mode, priority) => {
    const factory: BackendFactory = async () => {
      try {
        const gpu = await loader(mode);
        failures.delete(mode);
        const skipped = AUTO_ORDER.slice(0, priority).flatMap((better) => {
          const reason = failures.get(better);
          return reason === undefined ? [] : [{ mode: better, reason }];
        });
        return new GpujsBackend(gpu, mode, { selection: describeSelection(mode, skipped) });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.set(mode, reason);
        return unavailable(reason);
      }
    };
    registerBackend(`gpujs:${mode}`, factory, {
      priority,
      ...(options.replace === undefined ? {} : { replace: options.replace }),
    });
  });
}

/**
 * The registry's plugin hook: `createBackend('gpujs:…')` imports this package and calls this
 * when no `gpujs:*` backend is registered yet. Registering twice is a no-op.
 */
export function registerBackends(): void {
  registerGpujsBackends({ replace: true });
}
