import type { BackendFamily } from '@meerkat/tensor';

/**
 * The gpu.js modes this package drives. `auto` tries them in `AUTO_ORDER`; each mode's
 * precision and device are fixed by how gpu.js computes in it.
 */
export type GpujsMode = 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/** Every mode, in the order `gpujs:auto` tries them (best first). */
export const AUTO_ORDER: readonly GpujsMode[] = [
  'webgpu',
  'webgl2',
  'webgl',
  'headlessgl',
  'webasm',
  'cpu',
];

/** The `gpujs:*` family, for @meerkat/tensor's selection and registration helpers. */
export const GPUJS_FAMILY: BackendFamily<'mode', GpujsMode> = {
  family: 'gpujs',
  key: 'mode',
  noun: 'gpu.js mode',
  order: AUTO_ORDER,
};

/** Where a mode keeps tensors: plain `Float32Array`s (webasm, cpu) or GPU textures/buffers. */
export type Residency = 'host' | 'device';

export function residencyOf(mode: GpujsMode): Residency {
  return mode === 'webasm' || mode === 'cpu' ? 'host' : 'device';
}

export function isGpujsMode(value: unknown): value is GpujsMode {
  return typeof value === 'string' && (AUTO_ORDER as readonly string[]).includes(value);
}
