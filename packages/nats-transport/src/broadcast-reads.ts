import { decodeRosterV2, type RosterV2 } from '@meerkat/trainer';
import { type JetStreamManager, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isFailoverError, retryDuringFailover } from './failover-retry.js';
import type { RunSubjects } from './subjects.js';

/** Request timeout of a broadcast-stream get (ms): short, since a failed get is tried again. */
const GET_TIMEOUT_MS = 2000;

/**
 * A JetStream manager for reading the broadcast stream: no API check (`$JS.API.INFO` needs the
 * cluster's meta leader, which may be electing) and a 2 s request timeout (a get that went to a
 * node that just died is tried again after 2 s, not 5).
 */
export function broadcastReader(nc: NatsConnection): Promise<JetStreamManager> {
  return jetstreamManager(nc, { checkAPI: false, timeout: GET_TIMEOUT_MS });
}

/**
 * The last message on `subject` of the run's broadcast stream, or null: a direct get (any replica
 * answers; the stream allows it), then from the stream's leader when the replica that answered
 * has not got it yet. No consumer is made (that would need the cluster's meta leader). Tried
 * again during a failover.
 */
export function lastOnBroadcast(
  jsm: JetStreamManager,
  subjects: RunSubjects,
  subject: string,
): Promise<StoredMsg | null> {
  const stream = subjects.broadcastStream;
  return retryDuringFailover(async () => {
    try {
      const direct = await jsm.direct.getMessage(stream, { last_by_subj: subject });
      if (direct !== null) return direct;
    } catch (e) {
      if (!isFailoverError(e)) throw e;
    }
    return jsm.streams.getMessage(stream, { last_by_subj: subject });
  });
}

/** Client-list entries per roster block: block b holds entries b·4096 … b·4096 + 4095. */
export const ROSTER_BLOCK_ENTRIES = 4096;

/**
 * Roster blocks `fromBlock`, `fromBlock + 1`, … while they exist and until one holds entry
 * `until − 1` (all of them without `until`), decoded (CRC-checked).
 */
export async function readRosterBlocks(
  jsm: JetStreamManager,
  subjects: RunSubjects,
  fromBlock: number,
  until = Number.POSITIVE_INFINITY,
): Promise<RosterV2[]> {
  const frames: RosterV2[] = [];
  for (let b = fromBlock; b * ROSTER_BLOCK_ENTRIES < until; b++) {
    const m = await lastOnBroadcast(jsm, subjects, subjects.rosterBlock(b));
    if (m === null) break;
    frames.push(decodeRosterV2(m.data));
  }
  return frames;
}
