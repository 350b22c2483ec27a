import type { Capabilities } from '@meerkat/tensor';
import type { EngineVariant } from './engines.js';

const NOTES: Readonly<Record<EngineVariant, string>> = {
  'node-gpu':
    'libtensorflow (CUDA): TensorFloat-32 matmuls/convolutions are on by default on Ampere and newer GPUs (10-bit mantissa), so u = 2^-11; elementwise ops are float32',
  node: 'libtensorflow CPU kernels (Eigen), float32 with blocked/vectorised summation',
  wasm: 'XNNPACK float32 kernels in WebAssembly (one thread in Node), float32 accumulation; exp/log in float32',
  cpu: 'tfjs-backend-cpu: plain JavaScript loops, float32 storage, many reductions accumulate in float64 before rounding',
};

/** What each engine can do; every engine has gradients (tfjs's tape). */
export function capabilitiesFor(variant: EngineVariant): Capabilities {
  return Object.freeze({
    gradients: true,
    float16: false,
    device: variant === 'node-gpu' ? 'gpu' : 'cpu',
    precision: Object.freeze({
      unitRoundoff: variant === 'node-gpu' ? 2 ** -11 : 2 ** -24,
      notes: NOTES[variant],
    }),
  });
}
