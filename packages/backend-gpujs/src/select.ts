import { TensorError } from '@meerkat/tensor';
import type { GPU } from 'gpu.js';
import { type GpuLoader, loadGpu } from './gpu-loader.js';
import {
  describeSelection,
  GpujsBackend,
  type GpujsBackendOptions,
  type MatmulKernel,
} from './gpujs-backend.js';
import { AUTO_ORDER, type GpujsMode, isGpujsMode } from './modes.js';

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

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  const requested = options.mode ?? 'auto';
  if (requested !== 'auto' && !isGpujsMode(requested)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `unknown gpu.js mode '${String(requested)}'; use one of ${AUTO_ORDER.join(', ')} or auto`,
    );
  }
  const loader = options.loader ?? loadGpu;
  const candidates = requested === 'auto' ? AUTO_ORDER : [requested];
  const skipped: { mode: GpujsMode; reason: string }[] = [];
  for (const mode of candidates) {
    try {
      const made = await loader(mode);
      return new GpujsBackend(made, mode, {
        ...backendOptions(options),
        selection: describeSelection(mode, skipped),
      });
    } catch (error) {
      skipped.push({ mode, reason: reasonOf(error) });
    }
  }
  throw new TensorError(
    'TENSOR_BACKEND_UNAVAILABLE',
    `no gpu.js mode is available (${requested}):\n${skipped.map((s) => `  gpujs:${s.mode}: ${s.reason}`).join('\n')}`,
  );
}
