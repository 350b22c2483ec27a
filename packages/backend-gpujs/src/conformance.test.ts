import { runConformanceSuite } from '@meerkat/tensor/conformance';
import { describe, it } from 'vitest';
import { createGpujsBackend } from './select.js';

// Every case at default tolerances (u = 2^-24), nothing skipped: the gradient cases pass as not
// applicable (capabilities.gradients is false); the capabilities case checks TENSOR_UNSUPPORTED.
runConformanceSuite(
  () => createGpujsBackend({ mode: 'webasm' }),
  { describe, it },
  {},
  'gpujs:webasm conformance (tiled matmul)',
);
runConformanceSuite(
  () => createGpujsBackend({ mode: 'webasm', matmul: 'naive' }),
  { describe, it },
  {},
  'gpujs:webasm conformance (naive matmul)',
);
runConformanceSuite(
  () => createGpujsBackend({ mode: 'cpu' }),
  { describe, it },
  {},
  'gpujs:cpu conformance',
);
// The GL/WebGPU code path (device-resident storage, relayout/scatter/copy kernels, k-unrolled
// matmul), run on webasm with results kept as gpu.js inputs instead of textures.
runConformanceSuite(
  () => createGpujsBackend({ mode: 'webasm', emulateDeviceResidency: true }),
  { describe, it },
  {},
  'gpujs:webasm conformance through the device-resident (GL/WebGPU) path',
);
