import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { userNkeyAuthenticator } from './node-nkeys.js';

import { serverIdentityCheck } from './server-identity.js';
import { RunSubjects } from './subjects.js';

export interface RunConnectionOptions {
  /**
   * Server URL(s), e.g. `nats://127.0.0.1:4222` or `tls://host:4222`; several (an array, or one
   * comma-separated string) for a cluster: the connection fails over between them.
   */
  readonly servers: string | readonly string[];
  /** The user's nkey seed (`SU...`), as text or bytes. */
  readonly seed: string | Uint8Array;
  /** A client connects with its own inbox prefix, the only inbox its permissions allow. */
  readonly clientId?: string;
  /** Inbox prefix for roles without a client id (observer); default `_INBOX`. */
  readonly inboxPrefix?: string;
  /** CA certificate (PEM file) to verify a TLS server with; enables TLS. */
  readonly caFile?: string;
  /** Connection name shown by the server's monitoring. */
  readonly name?: string;
  /** Keep reconnecting (default true): a client or coordinator survives a server restart. */
  readonly reconnect?: boolean;
  /** Connect timeout in ms (default 5000). */
  readonly timeoutMs?: number;
}

/**
 * Connects to a run's NATS server with nkey authentication, the role's inbox prefix and, when
 * `caFile` is given, TLS verified against that CA and against the name the user connected to
 * (IP addresses included: `serverIdentityCheck`). Reconnects on its own, with a bounded wait
 * between attempts (250 ms) and no limit on the count while the process lives.
 */
export async function connectToRun(options: RunConnectionOptions): Promise<NatsConnection> {
  const seed =
    typeof options.seed === 'string' ? new TextEncoder().encode(options.seed.trim()) : options.seed;
  const inboxPrefix =
    options.clientId !== undefined
      ? RunSubjects.inboxPrefix(options.clientId)
      : (options.inboxPrefix ?? '_INBOX');
  const reconnect = options.reconnect ?? true;
  const servers = (
    typeof options.servers === 'string' ? options.servers.split(',') : [...options.servers]
  )
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return connect({
    servers,
    // Node's ed25519: nats.js's JavaScript one costs ~20 ms of CPU per connection.
    authenticator: userNkeyAuthenticator(seed),
    inboxPrefix,
    name: options.name ?? options.clientId ?? 'meerkat',
    timeout: options.timeoutMs ?? 5000,
    reconnect,
    maxReconnectAttempts: reconnect ? -1 : 0,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
    ...(options.caFile !== undefined
      ? {
          // transport-node hands the whole object to tls.connect, so Node's own option reaches it.
          tls: {
            caFile: options.caFile,
            checkServerIdentity: serverIdentityCheck(servers),
          } as NonNullable<NodeConnectionOptions['tls']>,
        }
      : {}),
  });
}
