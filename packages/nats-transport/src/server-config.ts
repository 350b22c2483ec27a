import { MeerkatError } from '@meerkat/trainer';
import type { SubjectPermissions } from './permissions.js';

/** One NATS user, authenticated by its nkey (public key `U...`; the seed stays with the user). */
export interface NatsUserSpec {
  readonly nkey: string;
  readonly permissions: SubjectPermissions;
}

export interface NatsServerConfigSpec {
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Client port; -1 lets the server pick a free one. */
  readonly port: number;
  /** JetStream file-storage directory (keeps streams, KV and objects across restarts). */
  readonly storeDir: string;
  readonly users: readonly NatsUserSpec[];
  /** When given, TLS is required of every client. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Largest message payload in bytes (server default 1 MiB). */
  readonly maxPayload?: number;
  /** Account name the users and JetStream live in; default MEERKAT. */
  readonly account?: string;
  /** When given, this server is one node of a JetStream cluster (the same users on every node). */
  readonly cluster?: NatsClusterSpec;
}

/** One server's part of a cluster: `server_name` and the `cluster { name, listen, routes }` block. */
export interface NatsClusterSpec {
  /** The cluster's name, the same on every node. */
  readonly name: string;
  /** This node's `server_name`, unique in the cluster (JetStream knows its peers by it). */
  readonly serverName: string;
  /** Route listen address; default the client listen host. */
  readonly host?: string;
  /** Route port (fixed: the other nodes' routes name it). */
  readonly port: number;
  /** Every node's route URL (`nats-route://host:port`); a node skips its own. */
  readonly routes: readonly string[];
}

const NKEY_USER = /^U[A-Z2-7]{55}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]+$/;

/** `host:port`, an IPv6 address in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Renders a nats-server configuration (JSON, which the server's config syntax accepts): one
 * account with JetStream, one nkey user per role with its subject permissions, no anonymous
 * access, optional TLS, and with `cluster` one node of a JetStream cluster. The same text runs the
 * test fixtures and a real deployment.
 */
export function renderNatsServerConfig(spec: NatsServerConfigSpec): string {
  if (!Number.isInteger(spec.port) || spec.port < -1 || spec.port > 65535) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `port must be an integer in [-1, 65535], got ${spec.port}.`,
    );
  }
  if (spec.users.length === 0) {
    throw new MeerkatError('MEERKAT_CONFIG_INVALID', 'At least one user is needed.');
  }
  for (const user of spec.users) {
    if (!NKEY_USER.test(user.nkey)) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `${JSON.stringify(user.nkey)} is not an nkey user public key (U followed by 55 base32 characters).`,
      );
    }
  }
  const { cluster } = spec;
  if (cluster !== undefined) {
    for (const [what, name] of [
      ['cluster name', cluster.name],
      ['server name', cluster.serverName],
    ] as const) {
      if (!CLUSTER_NAME.test(name)) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `The ${what} ${JSON.stringify(name)} must be letters, digits, '-' or '_'.`,
        );
      }
    }
    if (!Number.isInteger(cluster.port) || cluster.port < 1 || cluster.port > 65535) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `The cluster port must be an integer in [1, 65535] (the other nodes' routes name it), got ${cluster.port}.`,
      );
    }
  }
  const account = spec.account ?? 'MEERKAT';
  const host = spec.host ?? '127.0.0.1';
  const config: Record<string, unknown> = {
    ...(cluster !== undefined ? { server_name: cluster.serverName } : {}),
    host,
    port: spec.port,
    max_payload: spec.maxPayload ?? 1024 * 1024,
    jetstream: { store_dir: spec.storeDir, max_memory_store: 256 * 1024 * 1024 },
    accounts: {
      [account]: {
        jetstream: 'enabled',
        users: spec.users.map((u) => ({
          nkey: u.nkey,
          permissions: {
            publish: { allow: [...u.permissions.publish] },
            subscribe: { allow: [...u.permissions.subscribe] },
          },
        })),
      },
    },
  };
  if (cluster !== undefined) {
    config.cluster = {
      name: cluster.name,
      listen: `${hostPort(cluster.host ?? host, cluster.port)}`,
      routes: [...cluster.routes],
    };
  }
  if (spec.tls !== undefined) {
    config.tls = { cert_file: spec.tls.certFile, key_file: spec.tls.keyFile, timeout: 2 };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}
