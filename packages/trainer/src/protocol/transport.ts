import type { DownlinkMessage, UplinkMessage } from './messages.js';

/** A message as it arrived, with the number of bytes it took on the wire. */
export interface Received<M> {
  readonly message: M;
  readonly bytes: number;
}

/** The coordinator's side of a transport. */
export interface CoordinatorLink {
  /** Sends one message to one client; resolves to its wire size in bytes once it is handed over. */
  send(clientId: string, message: DownlinkMessage): Promise<number>;
  /** The next message from any client, in arrival order. */
  receive(): Promise<Received<UplinkMessage>>;
  /**
   * How the clients sent an announce or finish since the last call catch up (a transport that
   * stores catch-ups once for everyone, and may turn round logs into a θ snapshot, says so;
   * without it the coordinator counts the catch-ups it sent).
   */
  takeCatchUpCounts?(): CatchUpCounts;
}

/** Catch-ups by kind, and the bytes the clients fetch for them (0 when they travel inline). */
export interface CatchUpCounts {
  none: number;
  logs: number;
  theta: number;
  bytes: number;
}

/** A client's side of a transport. */
export interface ClientLink {
  readonly clientId: string;
  /**
   * Protocol versions this link can send, ascending (absent: [1]). The client refuses a welcome
   * whose chosen `version` is not one of them.
   */
  readonly protocolVersions?: readonly number[];
  /** Sends one message to the coordinator; resolves to its wire size in bytes. */
  send(message: UplinkMessage): Promise<number>;
  /** Installs the handler for messages from the coordinator (one handler per client). */
  onMessage(handler: (message: DownlinkMessage) => Promise<void>): void;
}

/**
 * One protocol, many transports: the coordinator and client logic is written against this
 * interface only. `in-process` (the simulation) is `InProcessTransport`; a NATS transport
 * implements the same two links over subjects.
 */
export interface Transport {
  readonly name: string;
  coordinator(): CoordinatorLink;
  client(clientId: string): ClientLink;
  close(): Promise<void>;
}
