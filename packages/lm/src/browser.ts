// `@meerkat/lm/browser`: everything of @meerkat/lm that does not read or write files, for
// browsers and workers. Models load from memory with `loadModelFromBytes`; the file-system
// functions (`loadCheckpoint`, `loadTokenizer`, `LlamaModel.load`, `writeRandomCheckpoint`,
// `loadSafetensorsFile`, ...) are only in the main entry.
//
// Browser-clean: nothing reachable from here imports a `node:` module, so a bundler needs no stub
// (test/browser-entry.test.ts bundles this file and dist/browser.js with `platform: 'browser'`).
// - `LmTokenizer` lives in lm-tokenizer.ts; `loadTokenizer(dir)` stays in tokenizer.ts (Node).
// - `LlamaModel` (model.ts) is shared with the main entry, but `LlamaModel.load(dir, backend)`
//   imports its directory reader as `#load-checkpoint`, a package.json "imports" subpath: under
//   the `browser` condition it is checkpoint-browser.ts, which throws `LmError` `LM_NODE_ONLY`
//   (use `loadModelFromBytes`, or meerkat/browser's `loadModelFromUrls`); everywhere else it is
//   checkpoint.ts, so the Node API is unchanged and needs no registration step. The subpath is
//   kept external in dist/ (tsup `--external`) and maps to dist/checkpoint{,-browser}.js there.
export { type CausalLmLoss, causalLmLoss, nextTokenTargets } from './causal-lm-loss.js';
export type { Checkpoint } from './checkpoint.js';
export {
  type ClassificationOptions,
  type ClassificationScores,
  classificationScores,
  type LabelWordRows,
  labelWordRows,
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
export { parseLlama2cTokenizer, type SentencePieceVocab } from './llama2c/llama2c-tokenizer.js';
export {
  llamaTokenizerConfigJson,
  sentencePieceMerges,
  sentencePieceTokenizerJson,
} from './llama2c/sentencepiece-tokenizer-json.js';
export { LmTokenizer } from './lm-tokenizer.js';
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
export { TrainableView } from './trainable-view.js';
