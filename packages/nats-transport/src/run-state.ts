import { MeerkatError } from '@meerkat/trainer';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { retryDuringFailover } from './failover-retry.js';
import { isMissingBucketError, openRunBucket } from './manifest-store.js';
import type { RunSubjects } from './subjects.js';

/** KV key of the run state in the run bucket. */
export const STATE_KEY = 'state';

export const runStateSchema = z.strictObject({
  run: z.string(),
  status: z.enum(['waiting-for-clients', 'running', 'finished']),
  /** Rounds closed so far, and the run's total. */
  round: z.number().int().min(0),
  rounds: z.number().int().min(0),
  /** CRC-32 of θ's float32 bytes after `round` (hex), to compare coordinator and clients. */
  thetaCrc32: z.string().nullable(),
  clients: z.array(z.string()),
  participants: z.array(z.string()),
  flagged: z.array(z.string()),
  /** Update-stream sequence the state covers (NatsCoordinatorLink.lastSequence). */
  lastSequence: z.number().int().min(0),
  updatedAt: z.string(),
});

/** What the coordinator publishes after every round; `meerkat status` reads it. */
export type RunState = z.infer<typeof runStateSchema>;

/** Writes the run state; tried again while a JetStream cluster elects the bucket's new leader. */
export async function writeRunState(nc: NatsConnection, subjects: RunSubjects, state: RunState) {
  const value = JSON.stringify(state);
  await retryDuringFailover(async () => {
    const kv = await new Kvm(nc).open(subjects.kvBucket);
    await kv.put(STATE_KEY, value);
  });
}

/**
 * The run state, or null before the coordinator wrote one (also when the run's bucket does not
 * exist: no coordinator has started the run on this server). Invalid state is `MEERKAT_PROTOCOL`.
 */
export async function readRunState(
  nc: NatsConnection,
  subjects: RunSubjects,
): Promise<RunState | null> {
  let text: string;
  try {
    const kv = await openRunBucket(nc, subjects);
    const entry = kv === null ? null : await kv.get(STATE_KEY);
    if (entry === null || entry.operation !== 'PUT') return null;
    text = entry.string();
  } catch (e) {
    if (isMissingBucketError(e)) return null;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MeerkatError('MEERKAT_PROTOCOL', 'The run state in KV is not JSON.', { cause });
  }
  const parsed = runStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The run state in KV is invalid: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** KV key of the update-stream sequence a round's closed state covers. */
export function sequenceKey(round: number): string {
  return `seq.${round}`;
}

/** Records that the state after `round` covers the update stream up to `sequence`. */
export async function writeRoundSequence(
  nc: NatsConnection,
  subjects: RunSubjects,
  round: number,
  sequence: number,
): Promise<void> {
  await retryDuringFailover(async () => {
    const kv = await new Kvm(nc).open(subjects.kvBucket);
    await kv.put(sequenceKey(round), String(sequence));
  });
}

/** The sequence recorded for `round` (0 for round 0 or when none was recorded). */
export async function readRoundSequence(
  nc: NatsConnection,
  subjects: RunSubjects,
  round: number,
): Promise<number> {
  if (round === 0) return 0;
  const kv = await new Kvm(nc).open(subjects.kvBucket);
  const entry = await kv.get(sequenceKey(round));
  const value = entry === null || entry.operation !== 'PUT' ? Number.NaN : Number(entry.string());
  if (!Number.isInteger(value) || value < 0) {
    throw new MeerkatError(
      'MEERKAT_CHECKPOINT_INVALID',
      `Run ${subjects.run} has a checkpoint after round ${round} but no update-stream sequence for it in KV (${sequenceKey(round)}); the run directory and the NATS server do not belong together.`,
    );
  }
  return value;
}
