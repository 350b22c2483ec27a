// The browser client of Meerkat: load a model from URLs or Files, run its forward, and train a
// sparse mask with ZO-SGD, uploading only (seed, g) records. Bundled for browsers by
// scripts/build-browser.mjs into dist/browser/meerkat-browser.js; none of the modules it pulls in
// reads files or imports a Node built-in.

// What a page needs next to the client, so that one bundle is enough: the gpu.js backend
// (WebGL2 / WebGL / WebGPU in a browser), ONNX Runtime Web (`ort:wasm`, `ort:webgpu`; the page
// serves its .wasm/.mjs, see createOrtBackend's `wasmPaths`) and the pure-JS reference backend,
// the loss, the mask.
export { type CreateGpujsOptions, createGpujsBackend } from '@meerkat/backend-gpujs';
export {
  type CreateBrowserOrtOptions,
  createOrtBackend,
  type OrtBackend,
  type OrtWasmSetup,
  registerOrtBackends,
  wasmSetupOf,
} from '@meerkat/backend-onnxruntime/browser';
export {
  causalLmLoss,
  type LlamaModel,
  type LmTokenizer,
  type LoadedModel,
  parameterSpecs,
} from '@meerkat/lm/browser';
export { createLayout, randomMask } from '@meerkat/sparse-mask';
export { type Backend, createReferenceBackend } from '@meerkat/tensor';
export { deriveSeed, replay, type StepRecord, type UpdateOptions } from '@meerkat/zo-estimator';
export {
  type BrowserClient,
  type BrowserClientOptions,
  createBrowserClient,
  type LmBatch,
  type LocalStepsResult,
} from './browser-client.js';
export { BrowserClientError, type BrowserClientErrorCode } from './errors.js';
export {
  type FetchModelOptions,
  type FetchResponse,
  loadModelFromFiles,
  loadModelFromUrls,
  type ModelFile,
  type ModelUrls,
} from './load-model.js';
