import { createLayout } from '@meerkat/sparse-mask';
import type { ClientLink, DownlinkMessage, LabeledExample, LoadedModel } from '@meerkat/trainer';
import {
  configuredShards,
  createClientReplica,
  createTrainingTask,
  loadCsv,
  loadJsonl,
  loadTextFile,
  loadTextJsonl,
  MeerkatError,
  parseRunConfig,
  TEXT_LABEL,
  TrainingClient,
} from '@meerkat/trainer';
import type { NatsConnection } from '@nats-io/transport-node';
import { CatchUpReader } from './catch-up-reader.js';
import { type JsonLogger, silentLogger } from './json-logger.js';
import { joinRunManifest, waitForRunManifest } from './manifest-store.js';
import { NatsTransport } from './nats-transport.js';
import { type RunState, readRunState } from './run-state.js';
import { RunSubjects } from './subjects.js';

export interface JoinRunOptions {
  /** A connection with this client's credentials (inbox prefix of `clientId`). */
  readonly nc: NatsConnection;
  readonly run: string;
  readonly clientId: string;
  /** Loads the model directory (the manifest's config names the coordinator's; `--model` overrides). */
  readonly loadModel: (dir: string) => Promise<LoadedModel>;
  readonly modelDir?: string;
  /**
   * The client's own examples (JSONL or CSV with `text` and `label`; for a causal-LM run, JSONL
   * rows with `text` or a plain text file, cut into the run's `chunkChars`). Without it the client
   * takes its shard of the coordinator's configured data and partition (a simulation of real
   * silos, and what the equivalence test uses).
   */
  readonly dataFile?: string;
  readonly logger?: JsonLogger;
  /**
   * How long to wait for the coordinator's manifest (ms, default 60 000; `meerkat join --wait`),
   * then `MEERKAT_COORDINATOR_UNAVAILABLE`. Once joined, a coordinator silent this long is
   * reported (`coordinator-silent`, again after each such period), and the join gives up with
   * the same error when the run state says the run has finished.
   */
  readonly manifestWaitMs?: number;
  /** How often a waiting client says what it waits for (ms, default 10 000). */
  readonly waitProgressMs?: number;
  /** Heartbeat interval on the presence subject (ms, default 2000; 0 = none). */
  readonly presenceMs?: number;
  /**
   * Protocol versions this client speaks (default `SUPPORTED_PROTOCOL_VERSIONS`). A coordinator
   * that speaks none of them answers the join with a welcome in its own version, and the join
   * fails with `MEERKAT_PROTOCOL` naming both.
   */
  readonly protocolVersions?: readonly number[];
}

function ownExamples(path: string): LabeledExample[] {
  return path.toLowerCase().endsWith('.csv') ? loadCsv(path) : loadJsonl(path);
}

/** A causal-LM client's own text: JSONL rows with `text`, or any other file as plain text. */
function ownText(path: string, chunkChars: number): LabeledExample[] {
  const chunks = path.toLowerCase().endsWith('.jsonl')
    ? loadTextJsonl(path, chunkChars)
    : loadTextFile(path, chunkChars);
  return chunks.map((e) => ({ ...e, label: TEXT_LABEL }));
}

/**
 * `meerkat join`: reads the run manifest (waiting for it up to `manifestWaitMs` and saying so:
 * `waiting-for-manifest` log lines, then `MEERKAT_COORDINATOR_UNAVAILABLE`), refuses a model of
 * another layout, fetches the mask (sha256-checked; for full-parameter ZO it builds the identity
 * mask of its own model), and runs the trainer's own TrainingClient over NATS until the
 * coordinator's `finish`. Returns the final θ the client holds (bit-identical to the
 * coordinator's).
 */
export async function joinRun(
  options: JoinRunOptions,
): Promise<{ theta: Float32Array; rounds: number }> {
  const { nc, clientId } = options;
  const subjects = new RunSubjects(options.run);
  const log = (options.logger ?? silentLogger).child({
    role: 'client',
    clientId,
    run: options.run,
  });
  const waitMs = options.manifestWaitMs ?? 60_000;
  const progressMs = options.waitProgressMs ?? 10_000;
  const first = await joinRunManifestWithModel(options, subjects, log, { waitMs, progressMs });
  const { manifest, mask, loaded } = first;
  try {
    const config = parseRunConfig({
      ...manifest.config,
      ...(options.modelDir !== undefined ? { model: options.modelDir } : {}),
    });
    const { model, tokenizer } = loaded;
    const task = createTrainingTask(config.task, tokenizer);
    let examples: readonly LabeledExample[];
    let labels: Int32Array;
    if (options.dataFile !== undefined && config.task.kind === 'causal-lm') {
      examples = ownText(options.dataFile, config.task.chunkChars);
      labels = new Int32Array(examples.length);
    } else if (options.dataFile !== undefined) {
      examples = ownExamples(options.dataFile);
      const ids = new Map(task.labels.map((l, i) => [l, i]));
      labels = Int32Array.from(examples, (e, i) => {
        const id = ids.get(e.label);
        if (id === undefined) {
          throw new MeerkatError(
            'MEERKAT_DATA_INVALID',
            `${options.dataFile} example ${i}: label ${JSON.stringify(e.label)} is not one of the run's labels (${task.labels.join(', ')})`,
          );
        }
        return id;
      });
    } else {
      const shard = configuredShards(config, task).shard(clientId);
      if (shard === undefined) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `Run ${options.run} has no client ${JSON.stringify(clientId)} in its partition; pass --data FILE with this client's own examples.`,
        );
      }
      ({ examples, labels } = shard);
    }
    // A large θ (full-parameter ZO) generates its directions on one worker thread per core.
    const { replica, directionPool, close } = await createClientReplica(model, mask);
    // A client that starts in the middle of a run (e.g. after it was killed) first replays the
    // published round logs, so it joins holding the current θ.
    const logs = await new CatchUpReader(nc, subjects).allLogs(manifest.run);
    if (logs.length > 0) {
      replica.catchUp({ kind: 'logs', round: logs.length, logs });
      log.log('info', 'caught-up', { round: replica.round, logs: logs.length });
    }
    const transport = new NatsTransport({ nc, subjects, logger: log });
    const inner = transport.client(
      clientId,
      options.protocolVersions === undefined ? {} : { protocolVersions: options.protocolVersions },
    );
    let finished: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      finished = resolve;
      failed = reject;
    });
    // A refusal may come before the join's publish returns: handled here, thrown by `await done`.
    done.catch(() => {});
    let rounds = 0;
    // Silence of the coordinator: from the end of this client's last message handling (its
    // training is not the coordinator's silence) to the next message.
    const silence = { busy: false, since: Date.now(), reported: Date.now(), checking: false };
    const silentMsLimit = Math.max(waitMs, 1000);
    const link: ClientLink = {
      clientId,
      // What the join lists and the welcome's chosen version is checked against.
      protocolVersions: inner.protocolVersions,
      send: (m) => inner.send(m),
      onMessage: (handler) =>
        inner.onMessage(async (m: DownlinkMessage) => {
          silence.busy = true;
          try {
            await handler(m);
          } catch (e) {
            // A welcome the client refuses (a protocol version it does not speak, another model):
            // nothing will follow, so the join fails with the client's typed error.
            if (m.type === 'welcome') failed(e instanceof Error ? e : new Error(String(e)));
            throw e;
          } finally {
            silence.busy = false;
            silence.since = silence.reported = Date.now();
          }
          if (m.type === 'announce') {
            rounds++;
            log.log('info', 'round-done', { round: m.round + 1, steps: m.steps });
          }
          if (m.type === 'finish') finished();
        }),
    };
    const checkSilence = async () => {
      const now = Date.now();
      if (silence.busy || silence.checking) return;
      if (now - silence.since < silentMsLimit || now - silence.reported < silentMsLimit) return;
      silence.checking = true;
      silence.reported = now;
      try {
        const since = silence.since;
        const silentMs = now - since;
        const state = await readRunState(nc, subjects).catch(() => null);
        // A message that came meanwhile (the coordinator's finish goes out before its finished
        // state) ends the silence.
        if (silence.busy || silence.since !== since) return;
        if (state?.status === 'finished') {
          failed(
            new MeerkatError(
              'MEERKAT_COORDINATOR_UNAVAILABLE',
              `The coordinator of run ${options.run} has finished the run (${describeState(state)}), but client ${clientId} got no finish message in the ${seconds(silentMs)} it waited (it holds round ${replica.round}). The run's result is in the coordinator's run directory; there is nothing left to join.`,
            ),
          );
          return;
        }
        log.log('warn', 'coordinator-silent', {
          message: `no message from the coordinator of run ${options.run} for ${seconds(silentMs)} (this client holds round ${replica.round}; ${state === null ? 'no run state in KV' : `run state: ${describeState(state)}`}); still waiting: a coordinator started again with meerkat serve on the same run directory resumes the run, and this client re-joins it`,
          silentSeconds: Math.round(silentMs / 1000),
          round: replica.round,
          stateStatus: state?.status ?? null,
          stateRound: state?.round ?? null,
          stateUpdatedAt: state?.updatedAt ?? null,
        });
      } finally {
        silence.checking = false;
      }
    };
    const client = new TrainingClient({
      link,
      replica,
      model,
      task,
      examples,
      labels,
      layoutFingerprint: mask.fingerprint,
      ...(directionPool === undefined ? {} : { directionPool }),
    });
    await client.join();
    // After a reconnect or a coordinator restart, say again which θ round this client holds.
    inner.onReconnect(() => client.join());
    log.log('info', 'joined', { examples: examples.length, k: mask.indices.length });
    const presenceMs = options.presenceMs ?? 2000;
    const beat =
      presenceMs > 0
        ? setInterval(
            () => nc.publish(subjects.presence(clientId), String(replica.round)),
            presenceMs,
          )
        : null;
    const watch = setInterval(
      () => void checkSilence(),
      Math.max(100, Math.min(progressMs, silentMsLimit)),
    );
    try {
      await done;
    } finally {
      clearInterval(watch);
      if (beat !== null) clearInterval(beat);
      await transport.close();
      await close();
    }
    log.log('info', 'finished', { round: replica.round });
    return { theta: replica.theta(), rounds };
  } finally {
    loaded.dispose();
  }
}

/** `running, round 2 / 5, written at T` (finished: with the final θ CRC-32). */
function describeState(state: RunState): string {
  const crc = state.status === 'finished' ? `, θ CRC-32 ${state.thetaCrc32 ?? '-'}` : '';
  return `${state.status}, round ${state.round} / ${state.rounds}${crc}, written at ${state.updatedAt}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

async function joinRunManifestWithModel(
  options: JoinRunOptions,
  subjects: RunSubjects,
  log: JsonLogger,
  wait: { readonly waitMs: number; readonly progressMs: number },
) {
  // The model directory may come from the manifest, so read it before loading the model.
  const manifest = await waitForRunManifest(options.nc, subjects, {
    ...wait,
    onWaiting: (w) =>
      log.log('info', 'waiting-for-manifest', {
        message: w.message,
        waitedSeconds: w.waitedMs / 1000,
        waitSeconds: w.waitMs / 1000,
      }),
  });
  const dir = options.modelDir ?? String(manifest.config.model ?? '');
  const loaded = await options.loadModel(dir);
  try {
    const layout = createLayout(loaded.model.specs);
    const { mask } = await joinRunManifest(options.nc, subjects, layout);
    return { manifest, mask, loaded };
  } catch (e) {
    loaded.dispose();
    throw e;
  }
}
