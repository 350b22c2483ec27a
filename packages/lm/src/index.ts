export { type CausalLmLoss, causalLmLoss, nextTokenTargets } from './causal-lm-loss.js';
export { type Checkpoint, loadCheckpoint, loadConfigFile } from './checkpoint.js';
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
