import { compareClientIds } from './build-replay-log.js';
import type { StoredClientUpdate } from './client-update.js';
import { FedAggregateError } from './errors.js';
import { checkReplayLog } from './replay-log.js';
import { resolveServerConfig } from './server-config.js';
import type { ServerState } from './server-state.js';
import { validateUpdate } from './validate-update.js';

const MAX_U32 = 0xffffffff;

const isStepCount = (steps: unknown): steps is number =>
  typeof steps === 'number' && Number.isInteger(steps) && steps >= 1 && steps <= MAX_U32;

const isClientId = (id: unknown): id is string => typeof id === 'string' && id.length > 0;

/**
 * Throws `FED_INVALID_ARGUMENT` unless `state` is a state a `FederatedServer` can be in — the one
 * consistency check behind `FederatedServer.fromState` (which reports `FED_INVALID_ARGUMENT`) and
 * `decodeCheckpoint` (which reports `FED_CORRUPT`). It checks:
 *
 * - the config resolves (`resolveServerConfig`); `round` is an integer in [0, 2³²); every θ value
 *   is finite;
 * - `clients` are unique non-empty strings; every step override names a registered client once,
 *   with an integer step count ≥ 1;
 * - the open round (if any) is round `round`, with finite `openedAt` and `deadline ≥ openedAt`;
 *   its assignments name registered clients once each, sorted, with steps ≥ 1; and every stored
 *   update is one `validateUpdate` accepts in that round given the updates before it (sampled,
 *   registered, steps × directions finite g values within gMax, positive integer numSamples,
 *   valid loss and skippedSteps, one per client) — the deadline is not re-checked;
 * - the retained logs pass `checkReplayLog` and are for consecutive rounds ending at `round − 1`.
 */
export function checkServerState(state: ServerState): void {
  const bad = (message: string): never => {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', `server state: ${message}`);
  };
  if (typeof state !== 'object' || state === null) bad('not an object');
  if (typeof state.config !== 'object' || state.config === null) bad('config must be an object');
  const config = resolveServerConfig(state.config);

  const { round } = state;
  if (!(typeof round === 'number' && Number.isInteger(round) && round >= 0 && round <= MAX_U32)) {
    bad(`round must be an integer in [0, 2^32), got ${String(round)}`);
  }
  if (!(state.theta instanceof Float32Array)) bad('theta must be a Float32Array');
  for (let i = 0; i < state.theta.length; i++) {
    if (!Number.isFinite(state.theta[i]!)) bad(`theta[${i}] is not finite (${state.theta[i]})`);
  }

  if (!Array.isArray(state.clients)) bad('clients must be an array');
  const registered = new Set<string>();
  for (const id of state.clients) {
    if (!isClientId(id)) bad(`client id ${JSON.stringify(id)} is not a non-empty string`);
    if (registered.has(id)) bad(`client ${id} is registered twice`);
    registered.add(id);
  }

  if (!Array.isArray(state.localStepOverrides)) bad('localStepOverrides must be an array');
  const overridden = new Set<string>();
  for (const entry of state.localStepOverrides) {
    if (!Array.isArray(entry) || entry.length !== 2)
      bad('a step override is not [clientId, steps]');
    const [id, steps] = entry;
    if (!registered.has(id)) bad(`step override for unregistered client ${String(id)}`);
    if (overridden.has(id)) bad(`client ${id} has two step overrides`);
    if (!isStepCount(steps)) bad(`step override of client ${id} is ${steps}, not an integer >= 1`);
    overridden.add(id);
  }

  const c = state.current;
  if (c !== null) {
    if (typeof c !== 'object') bad('current must be an object or null');
    if (c.round !== round) bad(`the open round is ${c.round} but the server is at round ${round}`);
    if (!Number.isFinite(c.openedAt)) bad(`openedAt must be finite, got ${c.openedAt}`);
    if (!(typeof c.deadline === 'number' && c.deadline >= c.openedAt)) {
      bad(`deadline ${c.deadline} is before openedAt ${c.openedAt}`);
    }
    if (!Array.isArray(c.assignments)) bad('assignments must be an array');
    const expectedSteps = new Map<string, number>();
    let previous: string | undefined;
    for (const a of c.assignments) {
      if (typeof a !== 'object' || a === null) bad('an assignment is not an object');
      const { clientId, steps } = a;
      if (!registered.has(clientId)) bad(`assignment for unregistered client ${String(clientId)}`);
      if (expectedSteps.has(clientId)) bad(`client ${clientId} is assigned twice`);
      if (previous !== undefined && compareClientIds(previous, clientId) > 0) {
        bad('assignments are not sorted by clientId');
      }
      if (!isStepCount(steps)) bad(`client ${clientId} is assigned ${steps} steps, not >= 1`);
      expectedSteps.set(clientId, steps);
      previous = clientId;
    }
    if (!Array.isArray(c.updates)) bad('updates must be an array');
    const received = new Map<string, StoredClientUpdate>();
    for (const u of c.updates) {
      const result = validateUpdate(
        u,
        {
          round,
          open: true,
          deadline: Number.POSITIVE_INFINITY,
          registered,
          expectedSteps,
          received,
          gMax: config.gMax,
          directions: config.directions,
        },
        0,
      );
      if (result.status !== 'accepted') {
        const why = result.status === 'rejected' ? `${result.code}: ${result.reason}` : 'duplicate';
        bad(`stored update of client ${String(u?.clientId)} would not be accepted (${why})`);
      }
      received.set(u.clientId, u);
    }
  }

  if (!Array.isArray(state.logs)) bad('logs must be an array');
  const first = round - state.logs.length;
  for (const [i, log] of state.logs.entries()) {
    checkReplayLog(log);
    if (log.round !== first + i) {
      bad(
        `retained logs must be for consecutive rounds ending at ${round - 1}; log ${i} is for round ${log.round}, expected ${first + i}`,
      );
    }
  }
}
