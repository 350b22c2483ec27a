import { registerFamily } from '@meerkat/tensor';
import { type GpuLoader, loadGpu } from './gpu-loader.js';
import { GpujsBackend } from './gpujs-backend.js';
import { GPUJS_FAMILY } from './modes.js';

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
  registerFamily(
    GPUJS_FAMILY,
    async (mode, selection) => new GpujsBackend(await loader(mode), mode, { selection }),
    { replace: options.replace },
  );
}

/**
 * The registry's plugin hook: `createBackend('gpujs:…')` imports this package and calls this
 * when no `gpujs:*` backend is registered yet. Registering twice is a no-op.
 */
export function registerBackends(): void {
  registerGpujsBackends({ replace: true });
}
