/**
 * Re-exported from `@meerkat/seeded`, their owner, so code written against earlier releases keeps
 * working; new code imports them from `@meerkat/seeded`.
 */
export {
  nextStandardNormal,
  PhiloxUniformStream,
  sampleGamma,
  sampleLogGamma,
  shuffleInPlace,
} from '@meerkat/seeded';
export {
  type AggregationOptions,
  buildReplayLog,
  compareClientIds,
} from './build-replay-log.js';
export { ByteWriter } from './byte-io.js';
export { type CatchUpPlan, catchUp, planCatchUp } from './catch-up.js';
export { checkServerState } from './check-server-state.js';
export { CHECKPOINT_FORMAT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
export { type Participation, participantCount, sampleClients } from './client-sampling.js';
export {
  type ClientUpdate,
  type LossStats,
  type StoredClientUpdate,
  sameClientUpdate,
  storeClientUpdate,
} from './client-update.js';
export { sampleDirichlet } from './dirichlet.js';
export { FedAggregateError, type FedAggregateErrorCode } from './errors.js';
export {
  FederatedServer,
  type PlannedClient,
  type RoundPlan,
  type RoundResult,
  type RoundStats,
} from './federated-server.js';
export type { ClientKind, ClientShard, Labels, Partition } from './partition.js';
export { type DirichletPartitionOptions, partitionDirichlet } from './partition-dirichlet.js';
export {
  type ExtremeClientSpec,
  type ExtremePartitionOptions,
  type NormalSplit,
  partitionWithExtremeClients,
} from './partition-extreme.js';
export { type GroupPartitionOptions, partitionByGroup } from './partition-groups.js';
export { type IidPartitionOptions, partitionIid } from './partition-iid.js';
export {
  computePartitionStats,
  formatPartitionStats,
  type PartitionStats,
} from './partition-stats.js';
export {
  applyReplayLog,
  applyReplayLogAsync,
  checkReplayLog,
  type ReplayLog,
} from './replay-log.js';
export {
  decodeReplayLog,
  encodeReplayLog,
  REPLAY_LOG_ENTRY_BYTES,
  REPLAY_LOG_FORMAT_VERSION,
  REPLAY_LOG_HEADER_BYTES,
  replayLogByteLength,
} from './replay-log-codec.js';
export {
  type FederatedServerConfig,
  type ResolvedServerConfig,
  resolveServerConfig,
} from './server-config.js';
export type { ClientAssignment, OpenRoundState, ServerState } from './server-state.js';
export { STREAM_DOMAIN } from './stream-domains.js';
export {
  type RejectionCode,
  type SubmitResult,
  type ValidationContext,
  validateUpdate,
} from './validate-update.js';
