import { MeerkatError } from '../errors.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { DownlinkMessage, UplinkMessage } from './messages.js';
import type { ClientLink, CoordinatorLink, Received, Transport } from './transport.js';

/**
 * The simulation transport: coordinator and clients in one process. Every message is encoded to
 * its wire bytes and decoded again on the other side (so sizes are real and no buffer is shared),
 * and a client's handler runs to completion inside the coordinator's `send` — clients take turns,
 * which is what lets them share one model instance.
 */
export class InProcessTransport implements Transport {
  readonly name = 'in-process';
  private readonly handlers = new Map<string, (m: DownlinkMessage) => Promise<void>>();
  private readonly inbox: Received<UplinkMessage>[] = [];
  private readonly waiting: ((r: Received<UplinkMessage>) => void)[] = [];
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
        await handler(decodeMessage(bytes) as DownlinkMessage);
        return bytes.length;
      },
      receive: () => {
        this.checkOpen();
        const next = this.inbox.shift();
        if (next !== undefined) return Promise.resolve(next);
        return new Promise((resolve) => this.waiting.push(resolve));
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
        const waiter = this.waiting.shift();
        if (waiter !== undefined) waiter(received);
        else this.inbox.push(received);
        return bytes.length;
      },
      onMessage: (handler) => {
        this.handlers.set(clientId, handler);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new MeerkatError('MEERKAT_INVALID_STATE', 'the transport is closed');
  }
}
