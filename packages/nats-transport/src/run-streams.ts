import { MeerkatError } from '@meerkat/trainer';
import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';

import { retryDuringFailover } from './failover-retry.js';
import type { RunSubjects } from './subjects.js';

/** JetStream's deduplication window for updates (`Nats-Msg-Id` = `<run>/<round>/<clientId>`). */
export const UPDATE_DEDUP_WINDOW_MS = 10 * 60 * 1000;

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
) {
  return retryDuringFailover(async () => {
    try {
      return await jsm.streams.info(config.name);
    } catch (e) {
      if (!(e instanceof Error) || !/stream not found/i.test(`${e.name} ${e.message}`)) throw e;
    }
    return jsm.streams.add(config);
  });
}

/** How the run's streams, KV bucket and object store are kept. */
export interface RunStorageOptions {
  /**
   * Copies of every stream, the KV bucket and the object store (JetStream replicas): 1 (the
   * default) on a single server, 3 on a three-node cluster so a node can die without loss.
   */
  readonly replicas?: number;
}

/** JetStream's replica count: an integer in [1, 5]; otherwise `MEERKAT_CONFIG_INVALID`. */
export function runReplicas(options: RunStorageOptions = {}): number {
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `replicas must be an integer from 1 to 5 (JetStream's limit; 3 on a three-node cluster), got ${replicas}.`,
    );
  }
  return replicas;
}

/**
 * Creates (or finds, after a restart) the run's two streams on file storage: UPDATES captures
 * every client's uplink subject, rejects messages over `maxMessageBytes` and deduplicates by
 * message id; BCAST keeps what the coordinator broadcasts. Both with `options.replicas` copies
 * (default 1); a stream that exists already is kept as it is.
 */
export async function ensureRunStreams(
  jsm: JetStreamManager,
  subjects: RunSubjects,
  maxMessageBytes: number,
  options: RunStorageOptions = {},
): Promise<void> {
  const num_replicas = runReplicas(options);
  await ensureStream(jsm, {
    name: subjects.updateStream,
    subjects: [subjects.updateWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msg_size: maxMessageBytes,
    duplicate_window: UPDATE_DEDUP_WINDOW_MS * 1_000_000,
    num_replicas,
  });
  await ensureStream(jsm, {
    name: subjects.broadcastStream,
    subjects: [subjects.broadcastWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msg_size: maxMessageBytes * 8,
    num_replicas,
    // Round logs are read by direct gets, answered by any replica (not only the leader).
    allow_direct: true,
  });
}
