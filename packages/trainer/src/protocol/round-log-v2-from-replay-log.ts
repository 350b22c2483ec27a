import { checkReplayLog, type ReplayLog } from '@meerkat/fed-aggregate';
import { deriveSeed } from '@meerkat/zo-estimator';
import { expandRoundLogV2 } from './expand-round-log-v2.js';
import type { RosterEntry, RoundLogParticipant, RoundLogV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/**
 * The v2 form of a v1 replay log (fed-aggregate's `ReplayLog`, e.g. `FederatedServer`'s
 * `closeRound().log`). A v1 log keeps no client ids, so the participants are recovered from the
 * seeds: an entry whose seed is `deriveSeed(runSeed, round, id, 0)` of a listed client starts
 * that client's run of steps, which lasts while the seeds are its t = 1, 2, ….
 *
 * Checked, never guessed: the result is expanded again (`expandRoundLogV2` with the log's own lr,
 * directions and distribution) and must reproduce the v1 log's seeds, g and weights bit for bit;
 * otherwise `MEERKAT_PROTOCOL` says why — a g value that is not float32-representable (v2
 * carries float32 scalars), a seed of no listed client, or weights that are not n_c / Σ n of the
 * listed numSamples (a zero-step participant, which has weight but no entries, cannot be
 * recovered from a v1 log).
 */
export function roundLogV2FromReplayLog(
  log: ReplayLog,
  context: { readonly runSeed: bigint; readonly clients: readonly RosterEntry[] },
): RoundLogV2 {
  try {
    checkReplayLog(log);
  } catch (cause) {
    throw protocolError(`not a valid replay log: ${(cause as Error).message}`, cause);
  }
  const what = `replay log of round ${log.round}`;
  const { runSeed, clients } = context;
  const g = new Float32Array(log.g.length);
  for (let j = 0; j < g.length; j++) {
    g[j] = log.g[j]!;
    if (!Object.is(g[j], log.g[j])) {
      throw protocolError(
        `${what}: g[${j}] = ${log.g[j]} is not float32-representable; protocol v2 carries float32 scalars`,
      );
    }
  }
  const firstSeed = new Map<bigint, number>();
  try {
    clients.forEach((c, index) => {
      const seed = deriveSeed(runSeed, log.round, c.clientId, 0);
      firstSeed.set(seed, firstSeed.has(seed) ? -1 : index);
    });
  } catch (cause) {
    throw protocolError(`${what}: cannot derive the clients' seeds`, cause);
  }
  const participants: RoundLogParticipant[] = [];
  const n = log.seeds.length;
  for (let i = 0; i < n; ) {
    const client = firstSeed.get(log.seeds[i]!);
    if (client === undefined || client < 0) {
      throw protocolError(
        client === undefined
          ? `${what}: entry ${i} is not step 0 of any client in the list of ${clients.length}`
          : `${what}: entry ${i} is step 0 of two listed clients (their ids hash alike)`,
      );
    }
    const id = clients[client]!.clientId;
    let steps = 0;
    while (i < n && log.seeds[i] === deriveSeed(runSeed, log.round, id, steps)) {
      steps++;
      i++;
    }
    participants.push({ client, steps });
  }
  const v2: RoundLogV2 = { round: log.round, participants, g };
  const again = expandRoundLogV2(v2, {
    runSeed,
    lr: log.lr,
    directions: log.directions,
    distribution: log.distribution,
    clients,
  });
  for (let i = 0; i < n; i++) {
    if (again.seeds[i] !== log.seeds[i] || !Object.is(again.p[i], log.p[i])) {
      throw protocolError(
        `${what}: entry ${i} expands to weight ${again.p[i]}, the log has ${log.p[i]}: its weights are not n_c / Σ n of the listed numSamples over the clients its seeds name`,
      );
    }
  }
  return v2;
}
