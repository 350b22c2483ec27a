/**
 * `@meerkat/nats-transport`: a Meerkat run over NATS JetStream. `serveRun` coordinates, `joinRun`
 * trains as one client; the run manifest, mask and round logs live in JetStream, and each client
 * has its own credentials and subject permissions.
 */
export { connectToRun, type RunConnectionOptions } from './connect.js';
export { type JoinRunOptions, joinRun } from './join-run.js';
export {
  createJsonLogger,
  type JsonLogger,
  type LogLevel,
  silentLogger,
} from './json-logger.js';
export {
  findRunManifest,
  joinRunManifest,
  type ManifestWait,
  publishRunManifest,
  readRunManifest,
  waitForRunManifest,
} from './manifest-store.js';
export {
  type NatsClientLink,
  type NatsClientOptions,
  type NatsCoordinatorLink,
  NatsTransport,
  type NatsTransportOptions,
} from './nats-transport.js';
export {
  createNatsIdentity,
  createOperatorFiles,
  createRunIdentities,
  existingOperatorFiles,
  type NatsIdentity,
  OBSERVER_INBOX_PREFIX,
  type OperatorFile,
  type OperatorFiles,
  type OperatorFilesSpec,
  type OperatorUser,
  type RunIdentities,
  type RunRole,
  runClientIds,
  runServerUsers,
  writeOperatorFiles,
} from './operator-files.js';
export {
  clientPermissions,
  coordinatorPermissions,
  observerPermissions,
  type SubjectPermissions,
} from './permissions.js';
export {
  type AllParametersMask,
  assertManifestFitsModel,
  type ManifestMask,
  type MaskReference,
  parseRunManifest,
  type RunManifest,
} from './run-manifest.js';
export { type RunState, readRunState, writeRunState } from './run-state.js';
export { type RunStorageOptions, runReplicas } from './run-streams.js';
export { type ServeRunOptions, serveRun } from './serve-run.js';
export {
  type NatsClusterSpec,
  type NatsServerConfigSpec,
  type NatsUserSpec,
  renderNatsServerConfig,
} from './server-config.js';
export { RunSubjects } from './subjects.js';
export { DEFAULT_UPLINK_LIMITS, type UplinkLimits } from './uplink-limits.js';
