import { checkReplayLog, compareClientIds, type ReplayLog } from '@meerkat/fed-aggregate';
import { type DirectionDistribution, deriveSeed } from '@meerkat/zo-estimator';
import { checkInteger, U32_MAX } from './field-checks.js';
import type { RosterEntry, RoundLogV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/** What a replica knows of the run, which a v2 round log leaves out. */
export interface RoundLogContext {
  readonly runSeed: bigint;
  readonly lr: number;
  readonly directions: number;
  readonly distribution: DirectionDistribution;
  /** The run's client list (join order): round logs hold indices into it. */
  readonly clients: readonly RosterEntry[];
}

/**
 * Expands a v2 round log into fed-aggregate's `ReplayLog`, exactly as `FederatedServer` builds
 * one from the same updates (`buildReplayLog`): participant c's step t is the entry
 * `(deriveSeed(runSeed, round, id_c, t), g_{c,t}, p_c)` with `p_c = n_c / Σ n` — Σ over the
 * round's participants (zero-step ones included), summed in participant order, which is clientId
 * order — and g widened from float32 to float64 (exact). Pure. A participant index outside the
 * client list, participants out of clientId order, a g count that is not Σ steps × directions,
 * or anything `checkReplayLog` rejects is `MEERKAT_PROTOCOL`.
 */
export function expandRoundLogV2(log: RoundLogV2, context: RoundLogContext): ReplayLog {
  const what = `round log v2 of round ${log.round}`;
  const { runSeed, directions, clients } = context;
  if (typeof runSeed !== 'bigint' || runSeed < 0n || runSeed >= 1n << 64n) {
    throw protocolError(`${what}: runSeed must be a bigint in [0, 2^64)`);
  }
  if (!Number.isSafeInteger(directions) || directions < 1) {
    throw protocolError(`${what}: directions must be an integer >= 1, got ${directions}`);
  }
  const ids: string[] = [];
  let steps = 0;
  let totalSamples = 0;
  log.participants.forEach((p, i) => {
    checkInteger(`${what}: participants[${i}].steps`, p.steps, 0, U32_MAX);
    const entry = clients[p.client];
    if (entry === undefined) {
      throw protocolError(
        `${what}: participant ${i} is client index ${p.client}, but the client list has ${clients.length} clients (apply the newer roster frames first)`,
      );
    }
    if (i > 0 && compareClientIds(ids[i - 1]!, entry.clientId) >= 0) {
      throw protocolError(
        `${what}: participants must be in clientId order, ${ids[i - 1]} comes before ${entry.clientId}`,
      );
    }
    if (!(Number.isSafeInteger(entry.numSamples) && entry.numSamples > 0)) {
      throw protocolError(
        `${what}: numSamples of client ${entry.clientId} must be a positive integer, got ${entry.numSamples}`,
      );
    }
    ids.push(entry.clientId);
    steps += p.steps;
    totalSamples += entry.numSamples;
  });
  if (log.g.length !== steps * directions) {
    throw protocolError(
      `${what}: ${log.g.length} g values, expected Σ steps × directions = ${steps} × ${directions}`,
    );
  }
  const seeds = new BigUint64Array(steps);
  const p = new Float64Array(steps);
  let i = 0;
  try {
    log.participants.forEach((participant, c) => {
      const weight = clients[participant.client]!.numSamples / totalSamples;
      for (let t = 0; t < participant.steps; t++, i++) {
        seeds[i] = deriveSeed(runSeed, log.round, ids[c]!, t);
        p[i] = weight;
      }
    });
  } catch (cause) {
    throw protocolError(`${what}: cannot derive its seeds`, cause);
  }
  const replay: ReplayLog = {
    round: log.round,
    lr: context.lr,
    directions,
    distribution: context.distribution,
    seeds,
    g: Float64Array.from(log.g),
    p,
  };
  try {
    checkReplayLog(replay);
  } catch (cause) {
    throw protocolError(
      `${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    );
  }
  return replay;
}
