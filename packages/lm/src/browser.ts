// `@meerkat/lm/browser`: everything of @meerkat/lm that does not read or write files, for
// browsers and workers. Models load from memory with `loadModelFromBytes`; the file-system
// functions (`loadCheckpoint`, `loadTokenizer`, `LlamaModel.load`, `writeRandomCheckpoint`,
// `loadSafetensorsFile`, ...) are only in the main entry.
//
// Not yet browser-clean: model.ts imports checkpoint.ts (for `LlamaModel.load`) and tokenizer.ts
// holds `loadTokenizer` beside `LmTokenizer`, so both import node:fs and node:path at the top.
// A browser bundler must stub those two imports for those two files (see
// packages/meerkat/scripts/build-browser.mjs) until they move to `*-node.ts` modules.
export { type CausalLmLoss, causalLmLoss, nextTokenTargets } from './causal-lm-loss.js';
export type { Checkpoint } from './checkpoint.js';
export {
  type ClassificationOptions,
  type ClassificationScores,
  classificationScores,
  verbalizerAccuracy,
} from './classification-scores.js';
export {
  ARCHITECTURES,
  configToJson,
  type LlamaConfig,
  type ModelType,
  parseConfig,
} from './config.js';
export { LmError, type LmErrorCode } from './errors.js';
export { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from './float16.js';
export { type GreedyOptions, greedyGenerate } from './greedy-generate.js';
export {
  type CheckpointTensorInfo,
  checkTensorsAgainstLayout,
  isIgnorableTensor,
  type ParameterSpec,
  parameterCount,
  parameterSpecs,
} from './layout.js';
export {
  type CheckpointBytes,
  checkpointFromBytes,
  type LoadedModel,
  loadModelFromBytes,
} from './load-from-bytes.js';
export { type ForwardOptions, LlamaModel, type LogitsMode, positionsFromMask } from './model.js';
export {
  PRESET_CONFIG_JSON,
  PRESET_NAMES,
  type PresetName,
  presetConfig,
} from './presets.js';
export { fillNormal, randomWord } from './random-init.js';
export {
  DTYPE_SIZE,
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors.js';
export {
  encodeSafetensors,
  encodeSafetensorsHeader,
  encodeTensorData,
  type SafetensorsHeader,
  type SafetensorsInput,
  type SafetensorsSpec,
} from './safetensors-writer.js';
export { LmTokenizer } from './tokenizer.js';
export { TrainableView } from './trainable-view.js';
