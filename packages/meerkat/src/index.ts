/**
 * `meerkat`: federated fine-tuning of LLMs with sparse zeroth-order optimisation (Meerkat,
 * Meerkat-vp). The sub-packages are re-exported as namespaces (`zo`, `sparseMask`, `fed`,
 * `gradip`, `tensor`, `lm`, `tfjs`): their export lists are large and several names would clash
 * (each has an error class and option types), and a namespace says where a name comes from.
 */
export * as tfjs from '@meerkat/backend-tfjs';
export * as fed from '@meerkat/fed-aggregate';
export * as gradip from '@meerkat/gradip';
export * as lm from '@meerkat/lm';
export * as sparseMask from '@meerkat/sparse-mask';
export * as tensor from '@meerkat/tensor';
export * as zo from '@meerkat/zo-estimator';
export { DEFAULT_BACKEND, defaultBackend } from './backend.js';
export {
  type CalibratedMask,
  type CalibrateMaskOptions,
  calibrateMask,
} from './calibration/calibrate-mask.js';
export {
  BUILTIN_CORPORA,
  builtinCorpusPackage,
  type CorpusLookupOptions,
  datasetText,
  loadCorpusText,
  resolveBuiltinCorpus,
  sampleCorpusSequences,
} from './calibration/corpus.js';
export { ModelReplica } from './client/model-replica.js';
export { TrainingClient, type TrainingClientOptions } from './client/training-client.js';
export {
  type CausalLmTaskConfig,
  type ClassificationTaskConfig,
  DEFAULT_SPAM_PARTITION,
  type ParseRunConfigOptions,
  parseRunConfig,
  type RunConfig,
  SPAM_ASSASSIN_VERBALIZER,
  type TaskConfig,
} from './config/parse-run-config.js';
export { type RunConfigInput, runConfigSchema } from './config/run-config-schema.js';
export { type Clock, SYSTEM_CLOCK } from './coordinator/clock.js';
export {
  type ClientInfo,
  Coordinator,
  type CoordinatorOptions,
} from './coordinator/coordinator.js';
export {
  type Assignment,
  type RoundAggregator,
  SgdAggregator,
  ZoAggregator,
} from './coordinator/round-aggregator.js';
export {
  decodeTrainerCheckpoint,
  encodeTrainerCheckpoint,
  type TrainerState,
} from './coordinator/trainer-checkpoint.js';
export type { LabeledExample } from './data/labeled-example.js';
export { loadCsv, parseCsv } from './data/load-csv.js';
export { loadJsonl } from './data/load-jsonl.js';
export { chunkText, loadTextFile, loadTextJsonl, type TextExample } from './data/load-text.js';
export { partitionClients } from './data/partition-clients.js';
export {
  loadSotu,
  presidentGroup,
  type SotuAddress,
  type SotuOptions,
  sotuAddresses,
} from './data/sotu.js';
export { emailToText, loadSpamAssassin, SPAM_ASSASSIN_GROUPS } from './data/spam-assassin.js';
export { loadExamples, splitTaskData, type TaskSplit } from './data/task-data.js';
export {
  type ConfigIssue,
  formatConfigIssue,
  MeerkatError,
  type MeerkatErrorCode,
} from './errors.js';
export type * from './events.js';
export { Meerkat, type MeerkatOptions, readMaskFile } from './meerkat.js';
export {
  type MaskKind,
  METHOD_NAMES,
  METHOD_PRESETS,
  type MethodPreset,
  type OptimizerKind,
} from './methods.js';
export {
  fullGradient,
  groupIndices,
  maskedGradient,
  requireGradients,
} from './model/parameter-gradient.js';
export {
  labelWordScores,
  leftPadded,
  type VerbalizerResult,
  verbalizerLoss,
  verbalizerLossTensor,
} from './model/verbalizer-loss.js';
export { connectToRun, type RunConnectionOptions } from './nats/connect.js';
export { CoordinatorOnlyTransport } from './nats/coordinator-only-transport.js';
export { type JoinRunOptions, joinRun } from './nats/join-run.js';
export {
  createJsonLogger,
  type JsonLogger,
  type LogLevel,
  silentLogger,
} from './nats/json-logger.js';
export { joinRunManifest, publishRunManifest, readRunManifest } from './nats/manifest-store.js';
export {
  type NatsClientLink,
  type NatsCoordinatorLink,
  NatsTransport,
  type NatsTransportOptions,
} from './nats/nats-transport.js';
export {
  clientPermissions,
  coordinatorPermissions,
  observerPermissions,
  type SubjectPermissions,
} from './nats/permissions.js';
export {
  assertManifestFitsModel,
  parseRunManifest,
  type RunManifest,
} from './nats/run-manifest.js';
export { type RunState, readRunState } from './nats/run-state.js';
export { type ServeRunOptions, serveRun } from './nats/serve-run.js';
export { type NatsServerConfigSpec, renderNatsServerConfig } from './nats/server-config.js';
export { RunSubjects } from './nats/subjects.js';
export { DEFAULT_UPLINK_LIMITS, type UplinkLimits } from './nats/uplink-limits.js';
export {
  decodeMessage,
  encodeMessage,
  FRAME_OVERHEAD_BYTES,
  MESSAGE_MAGIC,
} from './protocol/codec.js';
export { InProcessTransport } from './protocol/in-process-transport.js';
export * from './protocol/messages.js';
export type { ClientLink, CoordinatorLink, Received, Transport } from './protocol/transport.js';
export { decodeThetaFile, encodeThetaFile, RunDirectory, writeFileAtomic } from './run-dir.js';
export * from './run-files.js';
export { CausalLmTask, type WindowBatch } from './task/causal-lm-task.js';
export { ClassificationTask } from './task/classification-task.js';
export {
  createTrainingTask,
  loadTaskSplit,
  loadTextExamples,
  TEXT_LABEL,
} from './task/task-setup.js';
export type { TaskEvaluation, TaskKind, TrainingTask } from './task/training-task.js';
