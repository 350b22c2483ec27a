/**
 * `@meerkat/trainer`: federated fine-tuning of LLMs with sparse zeroth-order optimisation
 * (Meerkat, Meerkat-vp, full-parameter ZO and the baselines) without a network transport or a
 * report: the wire protocol, the coordinator and its round policies, the training client, run
 * config, data, tasks, mask calibration and run files. `@meerkat/nats-transport` runs the same
 * protocol over NATS; `@meerkat/report` draws run directories; `meerkat` installs everything.
 */
export {
  type BackendChoice,
  DEFAULT_BACKEND,
  defaultBackend,
  FORWARD_AUTO_ORDER,
  forwardBackend,
  GRADIENT_AUTO,
  gradientBackend,
} from './backend.js';
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
export {
  type CachedMask,
  MASK_CACHE_DIR_NAME,
  MASK_CACHE_FORMAT,
  MaskCache,
  type MaskCacheEvent,
  type MaskCacheInputs,
  type MaskCacheMeta,
  needsCalibratedMask,
  readMaskCacheMeta,
} from './calibration/mask-cache.js';
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
  type CheckpointDueEvent,
  type ClientInfo,
  Coordinator,
  type CoordinatorEvent,
  type CoordinatorOptions,
  type DetectionVerdictsEvent,
} from './coordinator/coordinator.js';
export { createRoundPolicy } from './coordinator/create-round-policy.js';
export { FixedStepsPolicy } from './coordinator/fixed-steps-policy.js';
export { GradipTracker } from './coordinator/gradip-tracker.js';
export {
  type Assignment,
  type RoundAggregator,
  SgdAggregator,
  ZoAggregator,
  type ZoAggregatorOptions,
} from './coordinator/round-aggregator.js';
export type { PolicyDetection, PolicyState, RoundPolicy } from './coordinator/round-policy.js';
export {
  decodeTrainerCheckpoint,
  encodeTrainerCheckpoint,
  type TrainerState,
} from './coordinator/trainer-checkpoint.js';
export { VirtualPathPolicy } from './coordinator/virtual-path-policy.js';
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
export { Meerkat, type MeerkatOptions } from './meerkat.js';
export {
  type MaskKind,
  METHOD_NAMES,
  METHOD_PRESETS,
  type MethodPreset,
  type OptimizerKind,
  type RoundPolicyKind,
} from './methods.js';
export { type LoadedModel, type LoadModelOptions, loadModel } from './model/load-model.js';
export {
  fullGradient,
  groupIndices,
  maskedGradient,
  requireGradients,
} from './model/parameter-gradient.js';
export { type ClientReplica, createClientReplica } from './plan/client-replica.js';
export { type ClientData, type ClientShards, configuredShards } from './plan/client-shards.js';
export { readMaskFile, resolveMask } from './plan/resolve-mask.js';
export { type PrepareRunOptions, prepareRun, type RunPlan } from './plan/run-plan.js';
export {
  type CatchUpChoice,
  type CatchUpCosts,
  chooseCatchUp,
  DEFAULT_CATCH_UP_COSTS,
  type MissedLogs,
} from './protocol/catch-up-cost.js';
export {
  decodeMessage,
  encodeMessage,
  FRAME_OVERHEAD_BYTES,
  MESSAGE_MAGIC,
} from './protocol/codec.js';
export {
  decodeMessageV2,
  encodeMessageV2,
  UPDATE_V2_FLAGS,
  updateV2Flags,
} from './protocol/codec-v2.js';
export {
  type AnyProtocolMessage,
  decodeAnyMessage,
  protocolVersionOf,
} from './protocol/decode-any-message.js';
export {
  announceMessageFromV2,
  announceV2FromMessage,
  catchUpSourceOf,
  finishMessageFromV2,
  finishV2FromMessage,
} from './protocol/downlink-v2-bridge.js';
export { expandRoundLogV2, type RoundLogContext } from './protocol/expand-round-log-v2.js';
export {
  announceV2ByteLength,
  finishV2ByteLength,
  joinV2ByteLength,
  rosterV2ByteLength,
  roundLogV2ByteLength,
  thetaV2ByteLength,
  thetaV2ByteLengthOf,
  updateV2ByteLength,
  welcomeV2ByteLength,
  zoUpdateV2ByteLength,
} from './protocol/frame-sizes.js';
export {
  FRAME_V2_MAGIC,
  FRAME_V2_OVERHEAD_BYTES,
  FRAME_V2_TYPES,
  type FrameTypeV2,
  PROTOCOL_V2,
} from './protocol/frame-v2.js';
export { InProcessTransport } from './protocol/in-process-transport.js';
export * from './protocol/messages.js';
export type {
  AnnounceV2,
  CatchUpSourceV2,
  DownlinkMessageV2,
  FinishV2,
  JoinV2,
  LossStatsV2,
  MessageV2,
  RosterEntry,
  RosterV2,
  RoundLogParticipant,
  RoundLogV2,
  ThetaV2,
  UpdateV2,
  UplinkMessageV2,
  WelcomeV2,
} from './protocol/messages-v2.js';
export {
  negotiateProtocolVersion,
  SUPPORTED_PROTOCOL_VERSIONS,
} from './protocol/negotiate-version.js';
export { decodeRosterV2, encodeRosterV2 } from './protocol/roster-v2.js';
export { decodeRoundLogV2, encodeRoundLogV2 } from './protocol/round-log-v2.js';
export { roundLogV2FromReplayLog } from './protocol/round-log-v2-from-replay-log.js';
export { decodeThetaV2, encodeThetaV2 } from './protocol/theta-frame-v2.js';
export type {
  CatchUpCounts,
  ClientLink,
  CoordinatorLink,
  Received,
  Transport,
} from './protocol/transport.js';
export {
  joinMessageFromV2,
  joinV2FromMessage,
  updateMessageFromV2,
  updateV2FromMessage,
  ZO_FORWARD_PASSES_PER_SCALAR,
} from './protocol/uplink-v2-bridge.js';
export { decodeThetaFile, encodeThetaFile, RunDirectory, writeFileAtomic } from './run-dir.js';
export * from './run-files.js';
export { RunRecorder } from './run-recorder.js';
export { CausalLmTask, type WindowBatch } from './task/causal-lm-task.js';
export { type ClassPriorReferences, classPriorReferences } from './task/class-prior.js';
export { ClassificationTask } from './task/classification-task.js';
export {
  createTrainingTask,
  loadTaskSplit,
  loadTextExamples,
  TEXT_LABEL,
} from './task/task-setup.js';
export type { TaskEvaluation, TaskKind, TrainingTask } from './task/training-task.js';
export {
  labelWordScores,
  leftPadded,
  type VerbalizerResult,
  verbalizerLoss,
  verbalizerLossTensor,
} from './task/verbalizer-loss.js';
