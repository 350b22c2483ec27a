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
}

const NKEY_USER = /^U[A-Z2-7]{55}$/;

/**
 * Renders a nats-server configuration (JSON, which the server's config syntax accepts): one
 * account with JetStream, one nkey user per role with its subject permissions, no anonymous
 * access, optional TLS. The same text runs the test fixture and a real deployment.
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
  const account = spec.account ?? 'MEERKAT';
  const config: Record<string, unknown> = {
    host: spec.host ?? '127.0.0.1',
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
  if (spec.tls !== undefined) {
    config.tls = { cert_file: spec.tls.certFile, key_file: spec.tls.keyFile, timeout: 2 };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}
