import { firstAvailable, TensorError } from '@meerkat/tensor';
import type { GPU } from 'gpu.js';
import { type GpuLoader, loadGpu } from './gpu-loader.js';
import { GpujsBackend, type GpujsBackendOptions, type MatmulKernel } from './gpujs-backend.js';
import { AUTO_ORDER, GPUJS_FAMILY, type GpujsMode, isGpujsMode } from './modes.js';

export interface CreateGpujsOptions {
  /** A mode, or `auto` (default) for the first that works here in `AUTO_ORDER`. */
  readonly mode?: GpujsMode | 'auto';
  /**
   * An existing gpu.js `GPU` to create kernels on (e.g. one made on your own canvas or WebGL
   * context). Its `mode` must be one of this package's modes (`gpu.mode`), or pass `mode` too.
   */
  readonly gpu?: GPU;
  /** Matmul kernel: `tiled` (default) or `naive` (to measure the tiled one against). */
  readonly matmul?: MatmulKernel;
  readonly kernelCacheSize?: number;
  /** Testing aid: see `GpujsBackendOptions.emulateDeviceResidency`. */
  readonly emulateDeviceResidency?: boolean;
  /** Creates a `GPU` for a mode; defaults to the real one. A test seam to simulate modes. */
  readonly loader?: GpuLoader;
}

function backendOptions(options: CreateGpujsOptions): GpujsBackendOptions {
  return {
    ...(options.matmul === undefined ? {} : { matmul: options.matmul }),
    ...(options.kernelCacheSize === undefined ? {} : { kernelCacheSize: options.kernelCacheSize }),
    ...(options.emulateDeviceResidency === undefined
      ? {}
      : { emulateDeviceResidency: options.emulateDeviceResidency }),
  };
}

/**
 * Creates a gpu.js backend on one mode, on the best available one for `'auto'`
 * (webgpu > webgl2 > webgl > headlessgl > webasm > cpu), or on a `GPU` you pass.
 * `backend.selection` says which mode was chosen and why the better ones were skipped.
 * Throws `TENSOR_BACKEND_UNAVAILABLE` with every reason when nothing works, and
 * `TENSOR_INVALID_ARGUMENT` for an unknown mode.
 */
export async function createGpujsBackend(options: CreateGpujsOptions = {}): Promise<GpujsBackend> {
  const { gpu } = options;
  if (gpu !== undefined) {
    const mode = options.mode === undefined || options.mode === 'auto' ? gpu.mode : options.mode;
    if (!isGpujsMode(mode)) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        `createGpujsBackend: the GPU's mode '${String(gpu.mode)}' is not one of ${AUTO_ORDER.join(', ')}; create it with an explicit mode or pass { mode }`,
      );
    }
    return new GpujsBackend(gpu, mode, backendOptions(options));
  }
  const loader = options.loader ?? loadGpu;
  const found = await firstAvailable(
    GPUJS_FAMILY,
    options.mode ?? 'auto',
    async (mode, selection) =>
      new GpujsBackend(await loader(mode), mode, { ...backendOptions(options), selection }),
  );
  return found.made;
}
