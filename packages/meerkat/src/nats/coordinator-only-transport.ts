import type { ClientLink, CoordinatorLink, Transport } from '../protocol/transport.js';

/**
 * A transport for a coordinator whose clients are all remote (`meerkat serve`): the
 * coordinator link is the wrapped transport's; the trainer's local client slots get inert links
 * (their join is not sent, nothing reaches them), so the trainer runs only its coordinator
 * while the real clients join over the network under the same ids.
 */
export class CoordinatorOnlyTransport implements Transport {
  readonly name: string;

  constructor(private readonly inner: Transport) {
    this.name = `${inner.name} (coordinator only)`;
  }

  coordinator(): CoordinatorLink {
    return this.inner.coordinator();
  }

  client(clientId: string): ClientLink {
    return {
      clientId,
      send: async () => 0,
      onMessage: () => {},
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
