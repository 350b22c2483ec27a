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
export { joinRunManifest, publishRunManifest, readRunManifest } from './manifest-store.js';
export {
  type NatsClientLink,
  type NatsCoordinatorLink,
  NatsTransport,
  type NatsTransportOptions,
} from './nats-transport.js';
export {
  clientPermissions,
  coordinatorPermissions,
  observerPermissions,
  type SubjectPermissions,
} from './permissions.js';
export {
  assertManifestFitsModel,
  parseRunManifest,
  type RunManifest,
} from './run-manifest.js';
export { type RunState, readRunState, writeRunState } from './run-state.js';
export { type ServeRunOptions, serveRun } from './serve-run.js';
export { type NatsServerConfigSpec, renderNatsServerConfig } from './server-config.js';
export { RunSubjects } from './subjects.js';
export { DEFAULT_UPLINK_LIMITS, type UplinkLimits } from './uplink-limits.js';
