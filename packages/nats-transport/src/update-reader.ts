import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  jetstream,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JsonLogger } from './json-logger.js';

export interface UpdateReaderOptions {
  readonly nc: NatsConnection;
  /** The stream to read (the run's UPDATES stream). */
  readonly stream: string;
  readonly log: JsonLogger;
  /**
   * The highest stream sequence handled so far (0: none). The first consumer, and every one
   * made again, starts right after it.
   */
  readonly scanned: () => number;
  /** Handles one message; called in stream order, once per sequence. */
  readonly onMessage: (subject: string, data: Uint8Array, seq: number) => void;
  /** Idle heartbeat the server is asked for while nothing arrives (ms, default 1000). */
  readonly heartbeatMs?: number;
  /**
   * Nothing (no message, no heartbeat) for this long, seen twice in a row: the consumer is
   * made again (ms, default 3 × `heartbeatMs`).
   */
  readonly stallMs?: number;
}

export interface UpdateReader {
  /** Stops reading (the current consumer's iterator and any retry). */
  stop(): void;
  /** Consumers made again so far (after a stall, a deleted consumer or a failed iterator). */
  readonly recreated: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pauses between attempts at making the consumer again: 100 ms … 2 s. */
const RETRY_PAUSES_MS = [100, 250, 500, 1000, 2000];

/**
 * Reads a stream in order with an ordered consumer (R1, on one node) and makes the consumer
 * again, after the last sequence handled, when it stops delivering: its node died (no
 * heartbeats; nats.js alone would keep asking the dead consumer for its info), the server
 * deleted it, or its iterator ended or failed. Messages still queued in the old iterator are
 * handled first, so nothing is skipped or handed over twice. Logs `consumer-recreated` with
 * the sequence the new consumer reads after.
 */
export async function readUpdateStream(options: UpdateReaderOptions): Promise<UpdateReader> {
  const { nc, stream, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const stallMs = options.stallMs ?? 3 * heartbeatMs;
  let stopped = false;
  let recreated = 0;
  let current: { consumer: Consumer; messages: ConsumerMessages } | null = null;

  /**
   * A new ordered consumer after `after`. A timeout bounds the create: while the cluster has not
   * yet seen a killed node go, it may place the consumer there, and the create never answers;
   * the next attempt places it again.
   */
  const open = async (after: number, timeout?: number) => {
    const js: JetStreamClient = jetstream(nc, timeout === undefined ? {} : { timeout });
    const consumer = await js.consumers.get(
      stream,
      after > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
        : { deliver_policy: DeliverPolicy.All },
    );
    const messages = await consumer.consume({
      max_messages: 256,
      idle_heartbeat: heartbeatMs,
      expires: Math.max(30_000, 4 * heartbeatMs),
    });
    return { consumer, messages };
  };

  /** Reads `messages` until it ends or is given up; resolves to why it ended. */
  const drain = async (messages: ConsumerMessages): Promise<string> => {
    let reason = 'iterator-ended';
    let last = Date.now();
    let suspect = false;
    const giveUp = (why: string) => {
      if (stopped) return;
      reason = why;
      messages.stop();
    };
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'heartbeat') last = Date.now();
        else if (s.type === 'heartbeats_missed' && s.count >= 2) giveUp('heartbeats-missed');
        else if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found')
          giveUp(s.type.replace('_', '-'));
      }
    })().catch(() => {});
    // The watchdog also covers a reconnect of this connection (nats.js pauses its heartbeat
    // check while disconnected and resumes it only once the old consumer answers). A stall must
    // be seen twice, with I/O handled in between: a long synchronous step of the coordinator
    // delays heartbeats it has not read yet, not the server's.
    const watchdog = setInterval(
      () => {
        const stale = Date.now() - last > stallMs;
        if (stale && suspect) giveUp('stalled');
        suspect = stale;
      },
      Math.max(100, Math.round(stallMs / 3)),
    );
    try {
      for await (const m of messages) {
        last = Date.now();
        if (stopped) break;
        try {
          options.onMessage(m.subject, m.data, m.info.streamSequence);
        } catch (e) {
          // Not the consumer's fault: reading it again would fail again.
          log.log('error', 'message-handler-failed', {
            stream,
            seq: m.info.streamSequence,
            error: String(e),
          });
        }
      }
    } catch (e) {
      reason = `failed: ${String(e)}`;
      log.log('warn', 'consumer-failed', { stream, error: String(e) });
    } finally {
      clearInterval(watchdog);
    }
    return reason;
  };

  current = await open(options.scanned());
  void (async () => {
    while (!stopped && current !== null) {
      const { consumer, messages } = current;
      const reason = await drain(messages);
      if (stopped) return;
      log.log('warn', 'consumer-lost', { stream, reason, afterSequence: options.scanned() });
      // Best effort: a consumer on a dead node does not answer (it expires on its own).
      void consumer.delete().catch(() => {});
      current = null;
      for (let attempt = 1; !stopped; attempt++) {
        const after = options.scanned();
        try {
          current = await open(after, Math.min(2000 + 1000 * (attempt - 1), 10_000));
          recreated++;
          log.log('warn', 'consumer-recreated', { stream, reason, afterSequence: after, attempt });
          break;
        } catch (e) {
          if (attempt <= 5 || attempt % 10 === 0) {
            log.log('warn', 'consumer-recreate-failed', { stream, error: String(e), attempt });
          }
          await sleep(RETRY_PAUSES_MS[Math.min(attempt - 1, RETRY_PAUSES_MS.length - 1)]!);
        }
      }
      if (stopped) current?.messages.stop();
    }
  })().catch((e: unknown) => log.log('error', 'consumer-failed', { stream, error: String(e) }));

  return {
    get recreated() {
      return recreated;
    },
    stop: () => {
      stopped = true;
      current?.messages.stop();
    },
  };
}
