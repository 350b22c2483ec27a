import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';

import type { RunSubjects } from './subjects.js';

/** JetStream's deduplication window for updates (`Nats-Msg-Id` = `<run>/<round>/<clientId>`). */
export const UPDATE_DEDUP_WINDOW_MS = 10 * 60 * 1000;

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
) {
  try {
    return await jsm.streams.info(config.name);
  } catch (e) {
    if (!(e instanceof Error) || !/stream not found/i.test(`${e.name} ${e.message}`)) throw e;
  }
  return jsm.streams.add(config);
}

/**
 * Creates (or finds, after a restart) the run's two streams on file storage: UPDATES captures
 * every client's uplink subject, rejects messages over `maxMessageBytes` and deduplicates by
 * message id; BCAST keeps what the coordinator broadcasts.
 */
export async function ensureRunStreams(
  jsm: JetStreamManager,
  subjects: RunSubjects,
  maxMessageBytes: number,
): Promise<void> {
  await ensureStream(jsm, {
    name: subjects.updateStream,
    subjects: [subjects.updateWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msg_size: maxMessageBytes,
    duplicate_window: UPDATE_DEDUP_WINDOW_MS * 1_000_000,
  });
  await ensureStream(jsm, {
    name: subjects.broadcastStream,
    subjects: [subjects.broadcastWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msg_size: maxMessageBytes * 8,
  });
}
