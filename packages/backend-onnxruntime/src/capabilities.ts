import type { Capabilities } from '@meerkat/tensor';
import type { EngineSpec } from './engines.js';

/** Every ONNX Runtime engine computes in float32 here; none has gradients. */
export function capabilitiesFor(engine: EngineSpec): Capabilities {
  return Object.freeze({
    gradients: false,
    float16: false,
    device: engine.device,
    precision: Object.freeze({
      unitRoundoff: 2 ** -24,
      notes: `ONNX Runtime ${engine.executionProvider} execution provider, float32 graphs: blocked sgemm (MLAS on CPU) with its own summation order and fused multiply-add, vectorised exp/log; graph optimisations fuse RMSNorm and MatMul+Add`,
    }),
  });
}
