import type { EngineSpec } from './engines.js';
import { OnnxGraph } from './onnx-graph.js';
import type { OrtModule } from './ort-module.js';

/** A one-node graph (y = x + x) to check that an execution provider loads and runs. */
function probeModel(): Uint8Array {
  const g = new OnnxGraph();
  const x = g.input('float32', [2]);
  g.output(g.node('Add', [x, x]), 'float32', [2]);
  return g.encode();
}

/**
 * Creates and runs a tiny session on the engine's execution provider. Resolves when it works,
 * rejects with ONNX Runtime's own reason when the provider is missing or fails (a CUDA provider
 * library that was never downloaded, no WebGPU adapter, ...).
 */
export async function probeEngine(ort: OrtModule, engine: EngineSpec): Promise<void> {
  const session = await ort.InferenceSession.create(probeModel(), {
    executionProviders: [engine.executionProvider],
  });
  try {
    const x = new ort.Tensor('float32', Float32Array.of(1, 2), [2]);
    const out = await session.run({ [session.inputNames[0]!]: x });
    const y = out[session.outputNames[0]!]!.data as Float32Array;
    if (y[0] !== 2 || y[1] !== 4) throw new Error(`probe computed [${Array.from(y)}], not [2, 4]`);
  } finally {
    await session.release();
  }
}
