import {
  DeliverPolicy,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

import { MeerkatError } from '../errors.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import type { DownlinkMessage, UplinkMessage } from '../protocol/messages.js';
import type { ClientLink, CoordinatorLink, Received, Transport } from '../protocol/transport.js';
import { type JsonLogger, silentLogger } from './json-logger.js';
import { ensureRunStreams } from './run-streams.js';
import type { RunSubjects } from './subjects.js';
import { DEFAULT_UPLINK_LIMITS, type UplinkLimits } from './uplink-limits.js';
import { type UplinkRejection, uplinkSchemas, validateUplink } from './validate-uplink.js';

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
  /** Messages dropped so far, by reason. */
  readonly rejected: Readonly<Record<UplinkRejection, number>>;
}

/** A client's link, plus a hook for reconnects (a client re-sends `join` after one). */
export interface NatsClientLink extends ClientLink {
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

  constructor(private readonly options: NatsTransportOptions) {
    this.limits = { ...DEFAULT_UPLINK_LIMITS, ...options.limits };
    this.logger = (options.logger ?? silentLogger).child({ run: options.subjects.run });
  }

  /**
   * Coordinator side: creates (or finds) the run's streams now, so clients can publish before
   * the coordinator link reads. `coordinator().ready()` does it too.
   */
  async prepare(): Promise<void> {
    const jsm = await jetstreamManager(this.options.nc);
    await ensureRunStreams(jsm, this.options.subjects, this.limits.maxMessageBytes);
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
    const queue: (Received<UplinkMessage> & { seq: number })[] = [];
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
    };
    /** Highest stream sequence validated so far (handed over, queued or dropped). */
    let scanned = this.options.resumeAfterSequence ?? 0;
    let started: Promise<void> | null = null;

    const reject = (
      reason: UplinkRejection,
      detail: string,
      fields: Record<string, string | number>,
    ) => {
      rejected[reason]++;
      log.log('warn', 'uplink-rejected', { reason, detail, ...fields });
    };

    const accept = (subject: string, data: Uint8Array, seq: number) => {
      const check = validateUplink(data, subjects.clientOfUpdateSubject(subject), limits, schemas);
      if (!check.ok) {
        reject(check.reason, check.detail, { subject, seq, bytes: data.length });
        return;
      }
      const m = check.message;
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
      }
      log.log('debug', 'uplink', { type: m.type, clientId: m.clientId, seq, bytes: data.length });
      const w = waiting.shift();
      if (w !== undefined) w.resolve({ message: m, bytes: data.length });
      else queue.push({ message: m, bytes: data.length, seq });
    };

    const start = async () => {
      await this.prepare();
      const js = jetstream(nc);
      const from = this.options.resumeAfterSequence ?? 0;
      const consumer = await js.consumers.get(
        subjects.updateStream,
        from > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from + 1 }
          : { deliver_policy: DeliverPolicy.All },
      );
      const messages = await consumer.consume({ max_messages: 256 });
      this.closers.push(() => messages.stop());
      log.log('info', 'coordinator-reading', {
        stream: subjects.updateStream,
        afterSequence: from,
      });
      void (async () => {
        for await (const m of messages) {
          if (this.closed) break;
          accept(m.subject, m.data, m.info.streamSequence);
          scanned = m.info.streamSequence;
        }
      })().catch((e: unknown) => log.log('error', 'consumer-failed', { error: String(e) }));
    };

    const link: NatsCoordinatorLink = {
      ready: () => {
        started ??= start();
        return started;
      },
      get lastSequence() {
        // Everything up to here was handed over or dropped; queued messages come after it.
        const head = queue[0];
        return head !== undefined ? head.seq - 1 : scanned;
      },
      rejected,
      send: async (clientId, message: DownlinkMessage) => {
        this.checkOpen();
        const bytes = encodeMessage(message);
        nc.publish(subjects.down(clientId), bytes);
        return bytes.length;
      },
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

  client(clientId: string): NatsClientLink {
    const { nc, subjects } = this.options;
    const log = this.logger.child({ role: 'client', clientId });
    const subject = subjects.update(clientId);
    const down = subjects.down(clientId);
    const js: JetStreamClient = jetstream(nc);
    const attempts = this.options.publishAttempts ?? 240;
    const retryMs = this.options.publishRetryMs ?? 250;
    let subscription: Subscription | null = null;
    const hooks: { reconnect: (() => Promise<void>) | null } = { reconnect: null };

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

    return {
      clientId,
      send: async (message: UplinkMessage) => {
        this.checkOpen();
        const bytes = encodeMessage(message);
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
              const decoded = decodeMessage(m.data);
              if (
                decoded.type === 'join' ||
                decoded.type === 'update' ||
                decoded.clientId !== clientId
              ) {
                throw new MeerkatError(
                  'MEERKAT_PROTOCOL',
                  `unexpected ${decoded.type} for ${decoded.clientId}`,
                );
              }
              message = decoded;
            } catch (e) {
              log.log('warn', 'downlink-rejected', { error: String(e), bytes: m.data.length });
              continue;
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
        hooks.reconnect = handler;
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
