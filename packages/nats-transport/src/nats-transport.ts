import type {
  AnnounceMessage,
  ClientLink,
  CoordinatorLink,
  DownlinkMessage,
  Received,
  RunDescriptor,
  Transport,
  UplinkMessage,
} from '@meerkat/trainer';
import {
  announceMessageFromV2,
  announceV2FromMessage,
  type CatchUpCosts,
  type CatchUpCounts,
  decodeAnyMessage,
  encodeMessage,
  encodeMessageV2,
  finishMessageFromV2,
  finishV2FromMessage,
  joinMessageFromV2,
  joinV2FromMessage,
  MeerkatError,
  negotiateProtocolVersion,
  SUPPORTED_PROTOCOL_VERSIONS,
  updateMessageFromV2,
  updateV2FromMessage,
} from '@meerkat/trainer';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { resendMissingAnnounces, watchReconnects } from './announce-resend.js';
import { CatchUpReader } from './catch-up-reader.js';
import { DownlinkPublisher } from './downlink-publisher.js';
import { ADMIN_TIMEOUT_MS } from './failover-retry.js';
import { type JsonLogger, silentLogger } from './json-logger.js';
import { ensureRunStreams } from './run-streams.js';
import type { RunSubjects } from './subjects.js';
import { readUpdateStream } from './update-reader.js';
import { DEFAULT_UPLINK_LIMITS, type UplinkLimits } from './uplink-limits.js';
import {
  type UpdateShape,
  type UplinkRejection,
  uplinkSchemas,
  validateUplink,
} from './validate-uplink.js';
import { VersionRefusals } from './version-refusal.js';

export interface NatsTransportOptions {
  /** A connection with the role's credentials (coordinator, or the one client). */
  readonly nc: NatsConnection;
  readonly subjects: RunSubjects;
  readonly logger?: JsonLogger;
  readonly limits?: Partial<UplinkLimits>;
  /**
   * Coordinator: read the update stream after this stream sequence (0, the default, reads it
   * from the start). A restarted coordinator passes the `lastSequence` it stored with its state,
   * so every update after that state is read again and none before it.
   */
  readonly resumeAfterSequence?: number;
  /** Client: bounded retries of a publish while the server is away (default 240 × 250 ms). */
  readonly publishAttempts?: number;
  readonly publishRetryMs?: number;
  /**
   * Run the handlers of all client links of this transport one at a time, in arrival order:
   * needed when the clients share one model in one process (the simulation over a real server).
   */
  readonly serialClients?: boolean;
  /**
   * Protocol versions this side speaks, ascending (default `SUPPORTED_PROTOCOL_VERSIONS`, [1, 2]).
   * A client lists them in its join (a v2 join frame; a v1 frame when it speaks only 1) and sends
   * its updates in the version the coordinator's welcome names (v1 until a welcome says
   * otherwise). The coordinator picks with `negotiateProtocolVersion`, names the choice in the
   * welcome (`version`), drops a join with no common version and update frames of a version it
   * does not list (`unsupported-version`); such a join is answered with a welcome naming the
   * coordinator's highest version, which the client refuses (`MEERKAT_PROTOCOL`). `client(id, { protocolVersions })` overrides it per
   * client. Downlink frames are v1 whatever is chosen.
   */
  readonly protocolVersions?: readonly number[];
  /**
   * Coordinator, v2 clients: the catch-up rule's costs (client download rate and replay draw
   * rate; default `DEFAULT_CATCH_UP_COSTS`), which decide between round logs and a θ snapshot.
   */
  readonly catchUpCosts?: CatchUpCosts;
  /**
   * Coordinator: θ after the last closed round (e.g. `() => trainer.theta`), for θ snapshots of a
   * ZO run. Without it a v2 ZO client that is behind always replays the round logs.
   */
  readonly thetaOf?: () => Float32Array | undefined;
  /** Replicas of the object store if the transport creates it (default 1; 3 on a cluster). */
  readonly replicas?: number;
}

/** Per-client options of `NatsTransport.client`. */
export interface NatsClientOptions {
  /** Overrides the transport's `protocolVersions` for this client (e.g. [1]: a v1-only client). */
  readonly protocolVersions?: readonly number[];
}

function checkProtocolVersions(versions: readonly number[]): readonly number[] {
  const ok =
    Array.isArray(versions) &&
    versions.length > 0 &&
    versions.every(
      (v, i) => SUPPORTED_PROTOCOL_VERSIONS.includes(v) && (i === 0 || v > versions[i - 1]!),
    );
  if (!ok) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `protocolVersions must be a non-empty ascending list of supported versions (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}), got ${JSON.stringify(versions)}`,
    );
  }
  return Object.freeze([...versions]);
}

/** The update shape a run asks of a client announced `steps` steps. */
function shapeOf(run: RunDescriptor, steps: number): UpdateShape {
  return run.optimizer === 'zo'
    ? { scalars: steps * run.directions, deltaValues: 0 }
    : { scalars: 0, deltaValues: run.k };
}

/** The coordinator's link, plus what a durable NATS coordinator needs to resume. */
export interface NatsCoordinatorLink extends CoordinatorLink {
  /** Creates or finds the run's streams and starts reading updates. `receive` calls it too. */
  ready(): Promise<void>;
  /**
   * Every update-stream message up to this sequence has been returned by `receive` or dropped;
   * store it with the coordinator's state and pass it as `resumeAfterSequence` after a restart.
   */
  readonly lastSequence: number;
  /**
   * Resume as a restarted coordinator: read the update stream after this sequence (the one
   * stored with the checkpoint), and hand over only joins until the first announce of this
   * session (then the updates that arrived while it was away, in stream order). Before the
   * first read only.
   */
  startAfter(sequence: number): void;
  /** Messages dropped so far, by reason. */
  readonly rejected: Readonly<Record<UplinkRejection, number>>;
  /** How the clients announced since the last call catch up, and the bytes they fetch. */
  takeCatchUpCounts(): CatchUpCounts;
}

/** A client's link, plus a hook for reconnects (a client re-sends `join` after one). */
export interface NatsClientLink extends ClientLink {
  readonly protocolVersions: readonly number[];
  /** The uplink version the latest welcome chose (1 before any welcome). */
  readonly protocolVersion: number;
  onReconnect(handler: () => Promise<void>): void;
}

/**
 * The round protocol over NATS JetStream. Uplink: a client publishes each message on its own
 * subject `meerkat.<run>.update.<clientId>` into the UPDATES stream (JetStream publish, so it is
 * stored before it counts as sent; updates carry `Nats-Msg-Id` = `<run>/<round>/<clientId>`
 * and a resend is deduplicated by the server). The coordinator reads the stream in order with
 * an ordered consumer from a stored sequence, validates every message (`validateUplink`),
 * drops and logs bad ones, and hands over each (round, client) update once. Downlink: core NATS
 * on `meerkat.<run>.down.<clientId>`, which only the coordinator may publish on.
 *
 * Versions: a client's join lists the protocol versions it speaks, the coordinator's welcome
 * names the one chosen (`protocolVersions`). With v2, updates are v2 frames (float32 g, no
 * client id: the subject is the sender; `numSamples` comes from the join) and the coordinator's
 * link hands them over as the v1 messages the trainer's coordinator reads
 * (`updateMessageFromV2`); v1 frames from v1 clients are still accepted.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  private readonly limits: UplinkLimits;
  private readonly logger: JsonLogger;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private closed = false;
  /** Tail of the shared handler queue when `serialClients` is set. */
  private clientTurn: Promise<void> = Promise.resolve();
  private coordinatorLink: NatsCoordinatorLink | undefined;
  private readonly versions: readonly number[];

  constructor(private readonly options: NatsTransportOptions) {
    this.versions = checkProtocolVersions(options.protocolVersions ?? SUPPORTED_PROTOCOL_VERSIONS);
    this.limits = { ...DEFAULT_UPLINK_LIMITS, ...options.limits };
    this.logger = (options.logger ?? silentLogger).child({ run: options.subjects.run });
  }

  /**
   * Coordinator side: creates (or finds) the run's streams now, so clients can publish before
   * the coordinator link reads. `coordinator().ready()` does it too.
   */
  async prepare(): Promise<void> {
    const jsm = await jetstreamManager(this.options.nc, { timeout: ADMIN_TIMEOUT_MS });
    await ensureRunStreams(jsm, this.options.subjects, this.limits.maxMessageBytes);
  }

  /**
   * Coordinator: round `log` closed (a fed-aggregate replay log; null for first-order rounds).
   * Its v2 frame goes on the broadcast stream once, for every client that will need it;
   * resolves to the frame's bytes (0 without a log).
   */
  async roundClosed(log: Uint8Array | null): Promise<number> {
    return log === null ? 0 : this.downlink().publishRoundLog(log);
  }

  private downlinkValue: DownlinkPublisher | undefined;

  private downlink(): DownlinkPublisher {
    this.downlinkValue ??= new DownlinkPublisher({
      nc: this.options.nc,
      subjects: this.options.subjects,
      logger: this.logger.child({ role: 'coordinator' }),
      ...(this.options.catchUpCosts === undefined ? {} : { costs: this.options.catchUpCosts }),
      ...(this.options.thetaOf === undefined ? {} : { thetaOf: this.options.thetaOf }),
      ...(this.options.replicas === undefined ? {} : { replicas: this.options.replicas }),
    });
    return this.downlinkValue;
  }

  /** The coordinator link (one per transport: every call returns the same link). */
  coordinator(): NatsCoordinatorLink {
    this.coordinatorLink ??= this.createCoordinatorLink();
    return this.coordinatorLink;
  }

  private createCoordinatorLink(): NatsCoordinatorLink {
    const { nc, subjects } = this.options;
    const limits = this.limits;
    const log = this.logger.child({ role: 'coordinator' });
    const schemas = uplinkSchemas(limits);
    const versions = this.versions;
    /**
     * A handed-over (or held, queued) uplink message. `needsSamples`: a v2 update held by a
     * resumed session before its client's join arrived; its numSamples is filled in on release.
     */
    type Item = Received<UplinkMessage> & { seq: number; needsSamples?: true };
    const queue: Item[] = [];
    const waiting: { resolve: (r: Received<UplinkMessage>) => void; reject: (e: Error) => void }[] =
      [];
    const seenUpdates = new Map<number, Set<string>>();
    const rejected: Record<UplinkRejection, number> = {
      oversized: 0,
      'bad-subject': 0,
      malformed: 0,
      'wrong-direction': 0,
      'forged-sender': 0,
      'out-of-bounds': 0,
      duplicate: 0,
      late: 0,
      early: 0,
      'unsupported-version': 0,
      'not-joined': 0,
    };
    /** From each client's join in this session: its numSamples (v2 updates leave it out). */
    const numSamplesOf = new Map<string, number>();
    /** The version chosen at each client's join in this session (said in its welcome). */
    const agreedVersion = new Map<string, number>();
    /** The run's parameters, from the first welcome sent: the update shape of an announce. */
    let run: RunDescriptor | undefined;
    /** Round of the latest announce this session sent (−1 before the first). */
    let currentRound = -1;
    /** An update must be for the open round: earlier rounds are closed, later ones not open. */
    const wrongRound = (m: UplinkMessage, subject: string, seq: number): boolean => {
      if (m.type !== 'update' || m.round === currentRound) return false;
      const reason = m.round < currentRound ? 'late' : 'early';
      reject(
        reason,
        `round ${m.round} update of ${m.clientId}; the open round is ${currentRound}`,
        {
          subject,
          seq,
        },
      );
      return true;
    };
    /** Highest stream sequence validated so far (handed over, queued or dropped). */
    let from = this.options.resumeAfterSequence ?? 0;
    let scanned = from;
    let started: Promise<void> | null = null;
    /** Clients that joined in this coordinator session (a second join is dropped). */
    const joined = new Set<string>();
    /**
     * After `startAfter`, until the coordinator sends its first announce of this session, only
     * joins are handed over: a restarted coordinator first collects its clients' joins, then
     * reads the updates that arrived while it was away (held here, in stream order).
     */
    let announced = true; // set to false by startAfter (a resumed coordinator)
    const held: Item[] = [];
    /** The last announce sent to each client (re-sent when it re-joins without its update). */
    const lastAnnounce = new Map<
      string,
      { round: number; steps: number; bytes: Uint8Array; message: AnnounceMessage }
    >();
    const context = {
      versions,
      expectedShape: (clientId: string, round: number): UpdateShape | undefined => {
        const last = lastAnnounce.get(clientId);
        return run === undefined || last === undefined || last.round !== round
          ? undefined
          : shapeOf(run, last.steps);
      },
    };
    const lastWelcome = new Map<string, Uint8Array>();
    /** Round logs, roster and θ snapshots, stored once for every client (the v2 downlink). */
    const downlinkStore = this.downlink();
    /**
     * The version each client's welcome named: v2 announces and finishes go only to a client told
     * v2 (it needs the welcome's run parameters to expand round logs); v1 frames otherwise.
     */
    const welcomed = new Map<string, number>();
    /** A resumed session ignores joins published before it started: live clients join again. */
    let staleJoinsUpTo = 0;

    /** A v2 announce sent again with a θ snapshot of its round as the catch-up. */
    const resendWithSnapshot = async (
      clientId: string,
      last: { round: number; message: AnnounceMessage },
    ) => {
      const snapshot =
        last.round === currentRound ? await downlinkStore.thetaSource(last.round) : null;
      if (snapshot === null) {
        log.log('warn', 'announce-not-resent', {
          clientId,
          round: last.round,
          reason: 'no θ snapshot of the round (no thetaOf, or the round is closed)',
        });
        return;
      }
      nc.publish(
        subjects.down(clientId),
        encodeMessageV2(announceV2FromMessage(last.message, snapshot)),
      );
      log.log('info', 'announce-resent', { clientId, round: last.round, catchUp: 'theta' });
    };

    const reject = (
      reason: UplinkRejection,
      detail: string,
      fields: Record<string, string | number>,
    ) => {
      rejected[reason]++;
      log.log('warn', 'uplink-rejected', { reason, detail, ...fields });
    };

    /** Answers joins with no common version (version-refusal.ts). */
    const refusals = new VersionRefusals({ nc, subjects, versions, log, knownRun: () => run });
    this.closers.push(() => refusals.stop());

    /**
     * The v1 message the coordinator reads, from a checked message of either version: a join's
     * versions are negotiated here; a v2 update gets its client's numSamples (from its join).
     * Null when it is dropped (no common version, or a v2 update of a client never joined).
     */
    const asV1 = (
      check: Extract<ReturnType<typeof validateUplink>, { ok: true }>,
      subject: string,
      seq: number,
    ): { message: UplinkMessage; needsSamples?: true } | null => {
      const fields = { subject, seq };
      if (check.message.type === 'join') {
        const offered = check.version === 2 ? check.message.versions : [1];
        try {
          const version = negotiateProtocolVersion(offered, versions);
          const message = check.version === 2 ? joinMessageFromV2(check.message) : check.message;
          if (!joined.has(message.clientId)) {
            agreedVersion.set(message.clientId, version);
            numSamplesOf.set(message.clientId, message.numSamples);
          }
          return { message };
        } catch (e) {
          const code = e instanceof MeerkatError ? e.code : 'ERROR';
          reject('unsupported-version', `join of ${check.message.clientId}: ${String(e)}`, {
            ...fields,
            code,
          });
          // Not handed over, but told: a welcome in a version it does not speak, which it refuses.
          refusals.refuse(check.message.clientId, offered);
          return null;
        }
      }
      if (check.version === 1) return { message: check.message };
      const u = check.message;
      const numSamples = numSamplesOf.get(u.clientId);
      if (numSamples === undefined && announced) {
        reject(
          'not-joined',
          `v2 update of ${u.clientId} for round ${u.round}: no join of it in this coordinator session`,
          fields,
        );
        return null;
      }
      // The validation checked the loss statistics the conversion needs.
      const message = updateMessageFromV2(u, numSamples ?? 1);
      return numSamples === undefined ? { message, needsSamples: true } : { message };
    };

    const accept = (subject: string, data: Uint8Array, seq: number) => {
      const check = validateUplink(
        data,
        subjects.clientOfUpdateSubject(subject),
        limits,
        schemas,
        context,
      );
      if (!check.ok) {
        reject(check.reason, check.detail, { subject, seq, bytes: data.length });
        return;
      }
      const converted = asV1(check, subject, seq);
      if (converted === null) return;
      const m = converted.message;
      if (announced && wrongRound(m, subject, seq)) return;
      if (m.type === 'update') {
        let seen = seenUpdates.get(m.round);
        if (seen === undefined) {
          seen = new Set();
          seenUpdates.set(m.round, seen);
          for (const r of seenUpdates.keys()) if (r < m.round - 256) seenUpdates.delete(r);
        }
        if (seen.has(m.clientId)) {
          reject('duplicate', `round ${m.round} update of ${m.clientId} was handed over already`, {
            subject,
            seq,
          });
          return;
        }
        seen.add(m.clientId);
      } else {
        if (joined.has(m.clientId)) {
          // A client that re-joins (after a reconnect, or restarted) may have missed its welcome
          // and announce: send the welcome again, and the announce while its update for that
          // round is still missing. A client that had it
          // computes the same update again, which JetStream drops by its message id.
          const welcome = lastWelcome.get(m.clientId);
          if (welcome !== undefined) nc.publish(subjects.down(m.clientId), welcome);
          const last = lastAnnounce.get(m.clientId);
          if (last !== undefined && seenUpdates.get(last.round)?.has(m.clientId) !== true) {
            if (welcomed.get(m.clientId) === 2 && m.round < last.round) {
              // Restarted behind the catch-up its announce named (e.g. a fedavg-sgd client, which
              // has no round logs to replay at start): the announce again, pointing to θ.
              void resendWithSnapshot(m.clientId, last).catch((e: unknown) =>
                log.log('error', 'announce-resend-failed', {
                  clientId: m.clientId,
                  error: String(e),
                }),
              );
            } else {
              nc.publish(subjects.down(m.clientId), last.bytes);
              log.log('info', 'announce-resent', { clientId: m.clientId, round: last.round });
            }
          }
          reject('duplicate', `${m.clientId} joined this coordinator session already`, {
            subject,
            seq,
          });
          return;
        }
        joined.add(m.clientId);
      }
      log.log('debug', 'uplink', { type: m.type, clientId: m.clientId, seq, bytes: data.length });
      if (!announced && m.type === 'join' && seq <= staleJoinsUpTo) {
        reject('duplicate', `join of ${m.clientId} from before this coordinator session`, {
          subject,
          seq,
        });
        return;
      }
      if (!announced && m.type !== 'join') {
        held.push({
          message: m,
          bytes: data.length,
          seq,
          ...(converted.needsSamples ? { needsSamples: true as const } : {}),
        });
        return;
      }
      const w = waiting.shift();
      if (w !== undefined) w.resolve({ message: m, bytes: data.length });
      else queue.push({ message: m, bytes: data.length, seq });
    };

    /** A held v2 update with its numSamples from the join that arrived since, or null (dropped). */
    const withSamples = (h: Item): Item | null => {
      if (h.needsSamples === undefined || h.message.type !== 'update') return h;
      const numSamples = numSamplesOf.get(h.message.clientId);
      if (numSamples === undefined) {
        reject(
          'not-joined',
          `v2 update of ${h.message.clientId} for round ${h.message.round}: its client did not join this coordinator session`,
          { subject: subjects.update(h.message.clientId), seq: h.seq },
        );
        return null;
      }
      return { message: { ...h.message, numSamples }, bytes: h.bytes, seq: h.seq };
    };

    const releaseHeld = () => {
      announced = true;
      if (held.length === 0) return;
      const all = [
        ...held
          .splice(0)
          .filter((h) => !wrongRound(h.message, subjects.update(h.message.clientId), h.seq))
          .map(withSamples)
          .filter((h): h is Item => h !== null),
        ...queue.splice(0),
      ].sort((a, b) => a.seq - b.seq);
      for (const item of all) {
        const w = waiting.shift();
        if (w !== undefined) w.resolve({ message: item.message, bytes: item.bytes });
        else queue.push(item);
      }
    };

    const start = async () => {
      await this.prepare();
      const js = jetstream(nc);
      if (!announced) {
        const info = await (await jetstreamManager(nc)).streams.info(subjects.updateStream);
        staleJoinsUpTo = info.state.last_seq;
      }
      // An ordered consumer, made again after `scanned` when its node dies (update-reader.ts).
      const reader = await readUpdateStream({
        nc,
        stream: subjects.updateStream,
        log,
        scanned: () => scanned,
        onMessage: (subject, data, seq) => {
          if (this.closed) return;
          accept(subject, data, seq);
          scanned = seq;
        },
      });
      this.closers.push(() => reader.stop());
      // After a reconnect (this connection's node died), announces in flight may be lost.
      const statuses = watchReconnects(nc, () => {
        const resent = resendMissingAnnounces(lastAnnounce, seenUpdates, currentRound, (id, b) =>
          nc.publish(subjects.down(id), b),
        );
        log.log('info', 'announces-resent', { round: currentRound, count: resent.length });
      });
      this.closers.push(() => statuses.stop());
      log.log('info', 'coordinator-reading', {
        stream: subjects.updateStream,
        afterSequence: from,
      });
      // Tell the clients a coordinator (re)started: live clients re-join this session.
      const epoch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      await js.publish(subjects.hello, JSON.stringify({ epoch }));
      log.log('info', 'coordinator-hello', { epoch });
    };

    const link: NatsCoordinatorLink = {
      ready: () => {
        started ??= start();
        return started;
      },
      startAfter: (sequence: number) => {
        if (started !== null) {
          throw new MeerkatError(
            'MEERKAT_INVALID_STATE',
            'startAfter must come before the link reads',
          );
        }
        from = sequence;
        scanned = sequence;
        announced = false;
      },
      get lastSequence() {
        // Everything up to here was handed over or dropped; queued and held messages come after it.
        const heads = [queue[0]?.seq, held[0]?.seq].filter((x): x is number => x !== undefined);
        return heads.length > 0 ? Math.min(...heads) - 1 : scanned;
      },
      rejected,
      send: async (clientId, downlink: DownlinkMessage) => {
        this.checkOpen();
        // The welcome names the version chosen at the client's join (1 for a client the link
        // has not seen join); the welcome frame stays v1.
        const version = agreedVersion.get(clientId) ?? 1;
        const message: DownlinkMessage =
          downlink.type === 'welcome' ? { ...downlink, version } : downlink;
        if (message.type === 'welcome') {
          // The roster (which round logs index into) in join order, before any round log.
          await downlinkStore.load();
          downlinkStore.setRun(message.run);
          const numSamples = numSamplesOf.get(clientId);
          if (numSamples !== undefined) downlinkStore.addClient(clientId, numSamples);
        }
        // v2: the announce and finish say only where the catch-up is stored (round logs on the
        // broadcast stream, or a θ snapshot); the bytes the client fetches count as its downlink.
        let fetched = 0;
        let bytes: Uint8Array;
        if (message.type === 'welcome') welcomed.set(clientId, version);
        if (
          welcomed.get(clientId) === 2 &&
          (message.type === 'announce' || message.type === 'finish')
        ) {
          const chosen = await downlinkStore.sourceFor(message.catchUp);
          fetched = chosen.bytes;
          bytes = encodeMessageV2(
            message.type === 'announce'
              ? announceV2FromMessage(message, chosen.source)
              : finishV2FromMessage(message, chosen.source),
          );
        } else bytes = encodeMessage(message);
        nc.publish(subjects.down(clientId), bytes);
        if (message.type === 'welcome') {
          lastWelcome.set(clientId, bytes);
          run ??= message.run;
        }
        if (message.type === 'announce') {
          currentRound = Math.max(currentRound, message.round);
          lastAnnounce.set(clientId, {
            round: message.round,
            steps: message.steps,
            bytes,
            message,
          });
          if (!announced) releaseHeld();
        }
        return bytes.length + fetched;
      },
      takeCatchUpCounts: () => downlinkStore.takeCounts(),
      receive: async () => {
        this.checkOpen();
        await link.ready();
        const next = queue.shift();
        if (next !== undefined) return { message: next.message, bytes: next.bytes };
        return new Promise((resolve, rejectWait) => waiting.push({ resolve, reject: rejectWait }));
      },
    };
    this.closers.push(() => {
      for (const w of waiting.splice(0)) {
        w.reject(new MeerkatError('MEERKAT_INVALID_STATE', 'the NATS transport was closed'));
      }
    });
    return link;
  }

  client(clientId: string, clientOptions: NatsClientOptions = {}): NatsClientLink {
    const { nc, subjects } = this.options;
    const log = this.logger.child({ role: 'client', clientId });
    const versions =
      clientOptions.protocolVersions === undefined
        ? this.versions
        : checkProtocolVersions(clientOptions.protocolVersions);
    /** The uplink version the latest welcome chose; before one, v1 (or the only one spoken). */
    let agreed = versions.includes(1) ? 1 : versions[0]!;
    const encodeUplink = (message: UplinkMessage): Uint8Array => {
      if (message.type === 'join') {
        // The join lists the versions: a v2 frame, unless the client speaks only v1.
        return versions.at(-1)! >= 2
          ? encodeMessageV2(joinV2FromMessage(message, versions))
          : encodeMessage(message);
      }
      return agreed === 2 ? encodeMessageV2(updateV2FromMessage(message)) : encodeMessage(message);
    };
    const subject = subjects.update(clientId);
    const down = subjects.down(clientId);
    const js: JetStreamClient = jetstream(nc);
    const attempts = this.options.publishAttempts ?? 240;
    const retryMs = this.options.publishRetryMs ?? 250;
    let subscription: Subscription | null = null;
    const hooks: { reconnect: (() => Promise<void>) | null } = { reconnect: null };

    /** Re-joins when a coordinator (re)starts with a new epoch (the hello on the broadcast stream). */
    const watchHellos = async () => {
      const sub = nc.subscribe(subjects.hello);
      this.closers.push(() => sub.unsubscribe());
      let epoch: string | null = null;
      try {
        const jsm = await jetstreamManager(nc);
        const last = await jsm.streams.getMessage(subjects.broadcastStream, {
          last_by_subj: subjects.hello,
        });
        epoch = last === null ? null : (JSON.parse(last.string()) as { epoch: string }).epoch;
      } catch {
        // No broadcast stream or hello yet: the coordinator has not started.
      }
      for await (const m of sub) {
        let next: string;
        try {
          next = String((JSON.parse(m.string()) as { epoch: unknown }).epoch);
        } catch {
          continue;
        }
        if (next === epoch) continue;
        epoch = next;
        const handler = hooks.reconnect;
        if (handler === null) continue;
        log.log('info', 'coordinator-started', { epoch });
        await handler().catch((e: unknown) =>
          log.log('error', 'rejoin-failed', { error: String(e) }),
        );
      }
    };

    void (async () => {
      for await (const s of nc.status()) {
        const handler = hooks.reconnect;
        if (s.type === 'reconnect' && handler !== null) {
          log.log('info', 'reconnected', {});
          await handler().catch((e: unknown) =>
            log.log('error', 'rejoin-failed', { error: String(e) }),
          );
        }
      }
    })();

    /** The run's parameters, from the welcome: what a v2 catch-up needs to expand round logs. */
    let runOfWelcome: RunDescriptor | undefined;
    const reader = new CatchUpReader(nc, subjects);
    /**
     * A downlink frame as the v1 message the client handles. v1 frames carry everything; a v2
     * announce or finish names where its catch-up is stored, which is fetched here (round logs
     * from the broadcast stream, or a θ snapshot) before the client sees the message.
     */
    const decodeDownlink = async (data: Uint8Array): Promise<DownlinkMessage> => {
      const decoded = decodeAnyMessage(data, clientId);
      if (decoded.version === 1) {
        const m = decoded.message;
        if (m.type === 'join' || m.type === 'update' || m.clientId !== clientId) {
          throw new MeerkatError('MEERKAT_PROTOCOL', `unexpected ${m.type} for ${m.clientId}`);
        }
        if (m.type === 'welcome') runOfWelcome = m.run;
        return m;
      }
      const m = decoded.message;
      if (m.type !== 'announce' && m.type !== 'finish') {
        throw new MeerkatError('MEERKAT_PROTOCOL', `unexpected v2 ${m.type} on the downlink`);
      }
      if (runOfWelcome === undefined) {
        throw new MeerkatError('MEERKAT_PROTOCOL', `a v2 ${m.type} before any welcome`);
      }
      const started = performance.now();
      const { catchUp, bytes } = await reader.fetch(runOfWelcome, m.round, m.catchUp);
      if (m.catchUp.kind !== 'none') {
        log.log('info', 'caught-up', {
          round: m.round,
          source: m.catchUp.kind,
          ...(m.catchUp.kind === 'logs' ? { from: m.catchUp.from } : {}),
          bytes,
          ms: Math.round(performance.now() - started),
        });
      }
      return m.type === 'announce'
        ? announceMessageFromV2(m, catchUp)
        : finishMessageFromV2(m, catchUp);
    };

    return {
      clientId,
      protocolVersions: versions,
      get protocolVersion() {
        return agreed;
      },
      send: async (message: UplinkMessage) => {
        this.checkOpen();
        const bytes = encodeUplink(message);
        const msgID =
          message.type === 'update' ? subjects.updateMessageId(message.round, clientId) : undefined;
        for (let attempt = 1; ; attempt++) {
          try {
            const ack = await js.publish(subject, bytes, msgID !== undefined ? { msgID } : {});
            if (ack.duplicate) log.log('info', 'uplink-duplicate', { msgID: msgID ?? null });
            return bytes.length;
          } catch (e) {
            const text = e instanceof Error ? `${e.name} ${e.message}` : String(e);
            if (/permission/i.test(text) || attempt >= attempts || this.closed) throw e;
            if (attempt === 1)
              log.log('warn', 'publish-retry', { error: text, type: message.type });
            await new Promise((r) => setTimeout(r, retryMs));
          }
        }
      },
      onMessage: (handler) => {
        subscription?.unsubscribe();
        const sub = nc.subscribe(down);
        subscription = sub;
        this.closers.push(() => sub.unsubscribe());
        void (async () => {
          for await (const m of sub) {
            let message: DownlinkMessage;
            try {
              message = await decodeDownlink(m.data);
            } catch (e) {
              log.log('warn', 'downlink-rejected', { error: String(e), bytes: m.data.length });
              continue;
            }
            if (message.type === 'welcome') {
              const chosen = message.version ?? 1;
              // A version this link cannot send: the client's handler refuses the welcome.
              if (versions.includes(chosen)) agreed = chosen;
              else log.log('error', 'protocol-mismatch', { chosen, versions: versions.join(', ') });
            }
            const run = async () => {
              try {
                await handler(message);
              } catch (e) {
                log.log('error', 'handler-failed', { type: message.type, error: String(e) });
              }
            };
            if (this.options.serialClients === true) {
              this.clientTurn = this.clientTurn.then(run);
              await this.clientTurn;
            } else await run();
          }
        })();
      },
      onReconnect: (handler) => {
        const first = hooks.reconnect === null;
        hooks.reconnect = handler;
        if (first)
          void watchHellos().catch((e: unknown) =>
            log.log('error', 'hello-watch-failed', { error: String(e) }),
          );
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.closers.splice(0)) await c();
  }

  private checkOpen(): void {
    if (this.closed)
      throw new MeerkatError('MEERKAT_INVALID_STATE', 'the NATS transport is closed');
  }
}
