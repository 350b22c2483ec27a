import type { Capabilities } from '@meerkat/tensor';
import type { GpujsMode } from './modes.js';

const NOTES: Readonly<Record<GpujsMode, string>> = {
  webgpu:
    'WGSL compute shaders over f32 storage buffers (precision "single"); exp/log/sqrt are the driver’s f32 built-ins; sequential f32 accumulation per output',
  webgl2:
    'GLSL ES 3.00 fragment shaders on R32F/RGBA32F textures (precision "single", highp); exp/log are the driver’s f32 built-ins (a few ulp); indices are floats, exact below 2^24',
  webgl:
    'GLSL ES 1.00 fragment shaders on float textures (precision "single", highp); exp/log are the driver’s f32 built-ins; indices are floats, exact below 2^24',
  headlessgl:
    'GLSL ES 1.00 through headless-gl (ANGLE/Mesa), float textures (precision "single"); exp/log are the driver’s f32 built-ins; indices are floats, exact below 2^24',
  webasm:
    'WebAssembly f32 arithmetic (f32x4 SIMD, same operations per cell as the scalar path); sequential f32 accumulation per output in index order; exp/log call Math.exp/Math.log (float64) and round to f32',
  cpu: 'gpu.js CPU kernels: JavaScript float64 arithmetic inside a kernel, results stored as float32 (so at least as precise as float32)',
};

/** gpu.js modes have no gradients; every mode computes in (at least) float32. */
export function capabilitiesFor(mode: GpujsMode): Capabilities {
  return Object.freeze({
    gradients: false,
    float16: false,
    device: mode === 'webasm' || mode === 'cpu' ? 'cpu' : 'gpu',
    precision: Object.freeze({ unitRoundoff: 2 ** -24, notes: NOTES[mode] }),
  });
}
