import { decodeReplayLog } from '@meerkat/fed-aggregate';
import { MeerkatError } from '@meerkat/trainer';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RunSubjects } from './subjects.js';

/** Attempts of the round-log publish while the stream has no leader (JetStream cluster failover). */
const ROUND_LOG_PUBLISH_ATTEMPTS = 10;

/**
 * Coordinator: publishes a closed round's replay log once on `bcast.downlink` (stream BCAST,
 * message id `<run>/log/<round>`, so a resumed coordinator publishing it again changes nothing).
 * A publish that times out or finds no responder (a replicated stream electing a new leader) is
 * tried again, up to 10 times with a growing pause; the message id makes a repeat harmless.
 */
export async function publishRoundLog(
  nc: NatsConnection,
  subjects: RunSubjects,
  log: Uint8Array,
): Promise<void> {
  const round = decodeReplayLog(log).round;
  await jetstream(nc).publish(subjects.downlink, log, {
    msgID: `${subjects.run}/log/${round}`,
    retries: ROUND_LOG_PUBLISH_ATTEMPTS,
  });
}

/**
 * Client: every round log published so far, in round order (rounds 0 … R−1, consecutive), read
 * from the broadcast stream with an ordered consumer (bounded: stops when nothing is pending).
 * A client that starts (or restarts) in the middle of a run applies them to θ⁰ to reach θ^R.
 */
export async function readRoundLogs(
  nc: NatsConnection,
  subjects: RunSubjects,
): Promise<Uint8Array[]> {
  const js = jetstream(nc);
  let consumer: Awaited<ReturnType<typeof js.consumers.get>>;
  try {
    consumer = await js.consumers.get(subjects.broadcastStream, {
      deliver_policy: DeliverPolicy.All,
    });
  } catch (e) {
    if (e instanceof Error && /stream not found/i.test(`${e.name} ${e.message}`)) return [];
    throw e;
  }
  const byRound = new Map<number, Uint8Array>();
  for (let batch = 0; batch < 100_000; batch++) {
    const messages = await consumer.fetch({ max_messages: 256, expires: 1000 });
    let got = 0;
    let pending = 0;
    for await (const m of messages) {
      got++;
      pending = m.info.pending;
      if (m.subject !== subjects.downlink) continue;
      const bytes = new Uint8Array(m.data);
      byRound.set(decodeReplayLog(bytes).round, bytes);
    }
    if (got === 0 || pending === 0) break;
  }
  const rounds = [...byRound.keys()].sort((a, b) => a - b);
  rounds.forEach((r, i) => {
    if (r !== i) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `The broadcast stream of run ${subjects.run} lacks the replay log of round ${i} (it has rounds ${rounds.join(', ')}).`,
      );
    }
  });
  return rounds.map((r) => byRound.get(r)!);
}
