import { MeerkatError } from '../errors.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { DownlinkMessage, UplinkMessage } from './messages.js';
import type { ClientLink, CoordinatorLink, Received, Transport } from './transport.js';

/**
 * The simulation transport: coordinator and clients in one process. Every message is encoded to
 * its wire bytes and decoded again on the other side (so sizes are real and no buffer is shared).
 * Client handlers run one at a time, in the order messages were sent — clients take turns, which
 * is what lets them share one model instance — while the coordinator goes on to `receive` their
 * answers as they come. A handler that throws makes the next `receive` reject with its error.
 */
export class InProcessTransport implements Transport {
  readonly name = 'in-process';
  private readonly handlers = new Map<string, (m: DownlinkMessage) => Promise<void>>();
  private readonly inbox: Received<UplinkMessage>[] = [];
  private waiting:
    | { resolve: (r: Received<UplinkMessage>) => void; reject: (e: unknown) => void }
    | undefined;
  private queue: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private closed = false;

  coordinator(): CoordinatorLink {
    return {
      send: async (clientId, message) => {
        this.checkOpen();
        const handler = this.handlers.get(clientId);
        if (handler === undefined) {
          throw new MeerkatError(
            'MEERKAT_PROTOCOL',
            `no client ${JSON.stringify(clientId)} is connected`,
          );
        }
        const bytes = encodeMessage(message);
        const decoded = decodeMessage(bytes) as DownlinkMessage;
        this.queue = this.queue.then(async () => {
          if (this.failure !== undefined) return;
          try {
            await handler(decoded);
          } catch (error) {
            this.fail(error);
          }
        });
        return bytes.length;
      },
      receive: () => {
        this.checkOpen();
        if (this.failure !== undefined) return Promise.reject(this.failure.error);
        const next = this.inbox.shift();
        if (next !== undefined) return Promise.resolve(next);
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
    };
  }

  client(clientId: string): ClientLink {
    return {
      clientId,
      send: async (message: UplinkMessage) => {
        this.checkOpen();
        const bytes = encodeMessage(message);
        const received = { message: decodeMessage(bytes) as UplinkMessage, bytes: bytes.length };
        const waiter = this.waiting;
        this.waiting = undefined;
        if (waiter !== undefined) waiter.resolve(received);
        else this.inbox.push(received);
        return bytes.length;
      },
      onMessage: (handler) => {
        this.handlers.set(clientId, handler);
      },
    };
  }

  /** Resolves once every message sent so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    this.handlers.clear();
  }

  private fail(error: unknown): void {
    this.failure = { error };
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.reject(error);
  }

  private checkOpen(): void {
    if (this.closed) throw new MeerkatError('MEERKAT_INVALID_STATE', 'the transport is closed');
  }
}
