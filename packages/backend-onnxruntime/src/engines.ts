import { type BackendFamily, errorReason } from '@meerkat/tensor';

/**
 * The ONNX Runtime engines this package registers, as `ort:<engine>`: which runtime package runs
 * them, the execution provider they ask for, and what to do when it is missing.
 */
export type OrtEngine = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu' | 'wasm';

/** Which npm package provides an engine: the Node entry uses onnxruntime-node for native engines, browsers onnxruntime-web. */
export type OrtRuntime = 'onnxruntime-node' | 'onnxruntime-web';

export interface EngineSpec {
  readonly engine: OrtEngine;
  /** The execution provider name ONNX Runtime knows it by. */
  readonly executionProvider: string;
  readonly device: 'cpu' | 'gpu';
  /** What to do when it cannot load. */
  readonly hint: string;
}

export const ENGINES: Readonly<Record<OrtEngine, EngineSpec>> = {
  cuda: {
    engine: 'cuda',
    executionProvider: 'cuda',
    device: 'gpu',
    hint: 'onnxruntime-node ships only its CPU provider; the CUDA provider is downloaded by its install script. On Linux x64 with CUDA 12 and cuDNN 9: npm install onnxruntime-node@1.30.0 --onnxruntime-node-install=cuda12 --foreground-scripts (and allow its install script in allowScripts)',
  },
  dml: {
    engine: 'dml',
    executionProvider: 'dml',
    device: 'gpu',
    hint: 'DirectML runs on Windows only (onnxruntime-node bundles it there)',
  },
  coreml: {
    engine: 'coreml',
    executionProvider: 'coreml',
    device: 'gpu',
    hint: 'CoreML runs on macOS only (onnxruntime-node bundles it there)',
  },
  webgpu: {
    engine: 'webgpu',
    executionProvider: 'webgpu',
    device: 'gpu',
    hint: "needs a WebGPU adapter: in browsers navigator.gpu (Chrome/Edge 113+), in Node the GPU driver onnxruntime-node's bundled WebGPU provider (Dawn) loads: Vulkan on Linux, D3D12 on Windows, Metal on macOS",
  },
  cpu: {
    engine: 'cpu',
    executionProvider: 'cpu',
    device: 'cpu',
    hint: 'npm install onnxruntime-node@1.30.0 (its CPU binaries ship inside the package; Node ≥ 20 on Linux, macOS or Windows, x64 or arm64)',
  },
  wasm: {
    engine: 'wasm',
    executionProvider: 'wasm',
    device: 'cpu',
    hint: 'npm install onnxruntime-web@1.30.0; multi-threaded only where the page is cross-origin isolated (COOP/COEP headers)',
  },
};

/** `ort:auto` tries these in order (in browsers, only webgpu and wasm are offered). */
export const AUTO_ORDER: readonly OrtEngine[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu', 'wasm'];

/**
 * `ort:auto` in Node: the native GPU providers, then the CPU. WebGPU through onnxruntime-node's
 * bundled Dawn comes last: it is for an explicit `ort:webgpu`, since probing it costs a second
 * and prints Dawn's adapter warnings where no GPU driver is installed.
 */
export const NODE_AUTO_ORDER: readonly OrtEngine[] = [
  'cuda',
  'dml',
  'coreml',
  'cpu',
  'wasm',
  'webgpu',
];

/**
 * The `ort:*` family, for @meerkat/tensor's selection and registration helpers: every engine, in
 * `AUTO_ORDER`; an engine's reason is the first line of its error (ONNX Runtime's run long).
 */
export const ORT_FAMILY: BackendFamily<'engine', OrtEngine> = {
  family: 'ort',
  key: 'engine',
  noun: 'ONNX Runtime engine',
  order: AUTO_ORDER,
  reasonOf: (error) => errorReason(error, true),
};

export function isOrtEngine(value: unknown): value is OrtEngine {
  return typeof value === 'string' && Object.hasOwn(ENGINES, value);
}
