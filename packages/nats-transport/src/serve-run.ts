import { basename } from 'node:path';
import { crc32 } from '@meerkat/seeded';
import type { Backend } from '@meerkat/tensor';
import type { RunPlan, RunSummary, TrainerEvent } from '@meerkat/trainer';
import { Meerkat, parseRunConfig, RUN_FILES, type RunConfig } from '@meerkat/trainer';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ADMIN_TIMEOUT_MS } from './failover-retry.js';
import { type JsonLogger, silentLogger } from './json-logger.js';
import { publishRunManifest } from './manifest-store.js';
import { NatsTransport } from './nats-transport.js';
import {
  type RunState,
  readRoundSequence,
  writeRoundSequence,
  writeRunState,
} from './run-state.js';
import { ensureRunStreams, runReplicas } from './run-streams.js';
import { RunSubjects } from './subjects.js';
import { DEFAULT_UPLINK_LIMITS } from './uplink-limits.js';

export interface ServeRunOptions {
  /** A connection with the coordinator's credentials. */
  readonly nc: NatsConnection;
  /** The run config (as `new Meerkat` takes it); its runDir's name is the run id. */
  readonly config: unknown;
  readonly baseDir?: string;
  readonly backend?: Backend;
  readonly logger?: JsonLogger;
  /**
   * Continue the run in the config's runDir from its checkpoint (after the coordinator died):
   * the update stream is read again from the sequence recorded for the checkpointed round, and
   * live clients re-join when they see the new coordinator's hello.
   */
  readonly resume?: boolean;
  /** Called with every trainer event (progress). */
  readonly onEvent?: (event: TrainerEvent) => void;
  /**
   * Copies of the run's streams, KV bucket and object store (JetStream replicas): 1 (the
   * default) on a single server, 3 on a three-node cluster so that one node may die.
   */
  readonly replicas?: number;
  /**
   * Protocol versions the coordinator speaks (default `SUPPORTED_PROTOCOL_VERSIONS`); a client
   * that speaks none of them is refused (`NatsTransportOptions.protocolVersions`).
   */
  readonly protocolVersions?: readonly number[];
}

function thetaCrc(theta: Float32Array | undefined): string | null {
  if (theta === undefined) return null;
  return crc32(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength))
    .toString(16)
    .padStart(8, '0');
}

/**
 * `meerkat serve`: runs the trainer's coordinator (the same Coordinator as the simulation) over
 * NATS with every client remote. After setup it publishes the manifest (mask in the object
 * store), then the run state after every round; clients join with `meerkat join`.
 */
export async function serveRun(
  options: ServeRunOptions,
): Promise<{ summary: RunSummary; theta: Float32Array }> {
  const transportLog = (options.logger ?? silentLogger).child({ role: 'coordinator' });
  const trainerOptions = {
    ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
  };
  // Parse first (typed config errors before anything touches NATS).
  const config: RunConfig = parseRunConfig(
    options.config,
    options.baseDir !== undefined ? { baseDir: options.baseDir } : {},
  );
  const replicas = runReplicas(options);
  const subjects = new RunSubjects(basename(config.runDir));
  const nats = new NatsTransport({
    nc: options.nc,
    subjects,
    logger: transportLog,
    replicas,
    // θ snapshots for clients that are behind: θ after the last closed round.
    thetaOf: () => trainer.theta,
    ...(options.protocolVersions === undefined
      ? {}
      : { protocolVersions: options.protocolVersions }),
  });
  // The streams with their replicas first; the transport then finds them.
  await ensureRunStreams(
    await jetstreamManager(options.nc, { timeout: ADMIN_TIMEOUT_MS }),
    subjects,
    DEFAULT_UPLINK_LIMITS.maxMessageBytes,
    { replicas },
  );
  await nats.prepare();
  const link = nats.coordinator();
  const log = transportLog;
  const clients: string[] = [];
  const flagged: string[] = [];
  // The trainer runs only its coordinator here; its plan (mask, descriptor, client list) is what
  // the manifest publishes, so remote clients train on exactly what the coordinator prepared.
  const trainer: Meerkat = new Meerkat(options.config, {
    ...trainerOptions,
    transport: nats,
    clients: 'remote',
    ...(options.resume === true ? { resume: true } : {}),
    onPlan: async (plan, start) => {
      clients.push(...plan.clients.map((c) => c.id));
      if (start.resumed) {
        const sequence = await readRoundSequence(options.nc, subjects, start.startRound);
        link.startAfter(sequence);
        log.log('info', 'coordinator-resumed', {
          round: start.startRound,
          afterSequence: sequence,
        });
      }
      await publishPlan(options.nc, subjects, plan, replicas);
      await writeRunState(
        options.nc,
        subjects,
        state({ status: 'waiting-for-clients', round: start.startRound }),
      );
      log.log('info', 'manifest-published', {
        k: plan.descriptor.k,
        clients: clients.length,
        runFiles: RUN_FILES.metrics,
      });
    },
  });
  const state = (s: Partial<RunState> & Pick<RunState, 'status' | 'round'>): RunState => ({
    run: subjects.run,
    rounds: config.rounds,
    thetaCrc32: thetaCrc(trainer.theta),
    clients,
    participants: [],
    flagged,
    lastSequence: link.lastSequence,
    updatedAt: new Date().toISOString(),
    ...s,
  });
  const events = trainer.run();
  for (;;) {
    const next = await events.next();
    if (next.done === true) {
      const theta = trainer.theta!;
      await writeRunState(
        options.nc,
        subjects,
        state({ status: 'finished', round: config.rounds }),
      );
      log.log('info', 'run-finished', { rounds: config.rounds, thetaCrc32: thetaCrc(theta) });
      return { summary: next.value, theta };
    }
    const e = next.value;
    options.onEvent?.(e);
    if (e.type === 'checkpoint') {
      log.log('info', 'checkpoint-written', { round: e.round, bytes: e.bytes });
    } else if (e.type === 'round-end') {
      // Before the trainer writes its checkpoint: a checkpoint never lacks its sequence.
      await writeRoundSequence(options.nc, subjects, e.metrics.round, link.lastSequence);
      // The round's replay log, once for everyone: a client that (re)starts mid-run catches up from it.
      await nats.roundClosed(e.log);
      flagged.splice(0, flagged.length, ...e.metrics.flagged);
      await writeRunState(
        options.nc,
        subjects,
        state({
          status: 'running',
          round: e.metrics.round,
          participants: [...e.metrics.participants],
        }),
      );
      log.log('info', 'round-closed', {
        round: e.metrics.round,
        participants: e.metrics.participants.length,
        trainLoss: e.metrics.trainLoss,
        accuracy: e.metrics.accuracy,
        seconds: e.metrics.seconds,
        thetaCrc32: thetaCrc(trainer.theta),
      });
    }
  }
}

/**
 * Publishes a prepared run for its remote clients: the manifest (descriptor, hyperparameters,
 * config) and the mask, exactly as the coordinator's plan holds them. A full-parameter run
 * (`maskSource: 'all'`) publishes no mask object: the manifest says every parameter of the
 * layout, and each client builds that identity mask for its own model.
 */
async function publishPlan(
  nc: NatsConnection,
  subjects: RunSubjects,
  plan: RunPlan,
  replicas: number,
): Promise<void> {
  const { config } = plan;
  await publishRunManifest(nc, subjects, {
    run: plan.descriptor,
    mask: plan.mask,
    allParameters: plan.maskSource === 'all',
    hyperparameters: {
      method: config.method,
      rounds: config.rounds,
      clients: config.clients,
      localSteps: config.localSteps,
      participation: config.participation,
    },
    config: config as unknown as Record<string, unknown>,
    replicas,
  });
}
