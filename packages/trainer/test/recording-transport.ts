import { encodeMessage } from '../src/protocol/codec.js';
import { InProcessTransport } from '../src/protocol/in-process-transport.js';
import type { DownlinkMessage, UplinkMessage } from '../src/protocol/messages.js';
import type { ClientLink, CoordinatorLink } from '../src/protocol/transport.js';

/** Every message that crossed the transport, with the size this wrapper measured itself. */
export interface Recorded {
  readonly direction: 'down' | 'up';
  readonly clientId: string;
  readonly message: DownlinkMessage | UplinkMessage;
  readonly bytes: number;
}

/** The in-process transport, recording each message and its encoded size independently. */
export class RecordingTransport extends InProcessTransport {
  readonly log: Recorded[] = [];

  override coordinator(): CoordinatorLink {
    const inner = super.coordinator();
    return {
      send: async (clientId, message) => {
        this.log.push({
          direction: 'down',
          clientId,
          message,
          bytes: encodeMessage(message).length,
        });
        return inner.send(clientId, message);
      },
      receive: () => inner.receive(),
    };
  }

  override client(clientId: string): ClientLink {
    const inner = super.client(clientId);
    return {
      clientId,
      send: async (message) => {
        this.log.push({ direction: 'up', clientId, message, bytes: encodeMessage(message).length });
        return inner.send(message);
      },
      onMessage: (handler) => inner.onMessage(handler),
    };
  }
}
