import { type ClientUpdate, type StoredClientUpdate, sameClientUpdate } from './client-update.js';

/** Why an update was rejected (stable strings). */
export type RejectionCode =
  | 'malformed'
  | 'no-open-round'
  | 'wrong-round'
  | 'late'
  | 'unknown-client'
  | 'not-sampled'
  | 'conflict'
  | 'wrong-step-count'
  | 'invalid-num-samples'
  | 'non-finite-g'
  | 'g-out-of-bounds'
  | 'invalid-skipped-steps'
  | 'invalid-loss';

/** Outcome of submitting one client update. A rejection never changes the server's state. */
export type SubmitResult =
  | { readonly status: 'accepted' }
  | { readonly status: 'duplicate' }
  | { readonly status: 'rejected'; readonly code: RejectionCode; readonly reason: string };

/** The facts about the open round that validation needs. */
export interface ValidationContext {
  /** The server's current round (open or about to open). */
  readonly round: number;
  /** Whether round `round` is open for submissions. */
  readonly open: boolean;
  /** Submissions with `now > deadline` are late. */
  readonly deadline: number;
  readonly registered: ReadonlySet<string>;
  /** Sampled clients of the open round → the number of local steps each must upload. */
  readonly expectedSteps: ReadonlyMap<string, number>;
  /** Updates accepted so far in the open round. */
  readonly received: ReadonlyMap<string, StoredClientUpdate>;
  /** Largest |g| accepted. */
  readonly gMax: number;
  /** Directions per step: an update carries steps × directions scalars. Default 1. */
  readonly directions?: number;
}

function reject(code: RejectionCode, reason: string): SubmitResult {
  return { status: 'rejected', code, reason };
}

function isNumberArray(g: unknown): g is Float64Array | readonly number[] {
  if (g instanceof Float64Array) return true;
  return Array.isArray(g) && g.every((x) => typeof x === 'number');
}

/**
 * Validates `update` against the open round, at time `now`. Pure: the caller stores the update
 * only on `'accepted'`. An update identical to the one already accepted from that client is a
 * `'duplicate'` (idempotent resend, also after the deadline); a different one is a `'conflict'`.
 */
export function validateUpdate(
  update: ClientUpdate,
  context: ValidationContext,
  now: number,
): SubmitResult {
  const u = update as Partial<Record<keyof ClientUpdate, unknown>>;
  if (
    typeof u !== 'object' ||
    u === null ||
    typeof u.clientId !== 'string' ||
    typeof u.round !== 'number' ||
    !Number.isInteger(u.round) ||
    !isNumberArray(u.g) ||
    typeof u.numSamples !== 'number'
  ) {
    return reject(
      'malformed',
      'an update needs an integer round, a string clientId, g as numbers and a numeric numSamples',
    );
  }
  const { clientId, round } = update;
  if (round < context.round) {
    return reject('late', `round ${round} is closed (the server is at round ${context.round})`);
  }
  if (round > context.round) {
    return reject(
      'wrong-round',
      `round ${round} has not started (the server is at round ${context.round})`,
    );
  }
  if (!context.open) return reject('no-open-round', `round ${round} is not open yet`);
  if (!context.registered.has(clientId)) {
    return reject('unknown-client', `client ${clientId} is not registered; register it first`);
  }
  const steps = context.expectedSteps.get(clientId);
  if (steps === undefined) {
    return reject('not-sampled', `client ${clientId} was not sampled for round ${round}`);
  }
  const previous = context.received.get(clientId);
  if (previous !== undefined) {
    if (sameClientUpdate(previous, update)) return { status: 'duplicate' };
    return reject(
      'conflict',
      `client ${clientId} already submitted a different update for round ${round}; the first one stands`,
    );
  }
  if (now > context.deadline) {
    return reject(
      'late',
      `round ${round} closed for submissions at ${context.deadline}, got ${now}`,
    );
  }
  const directions = context.directions ?? 1;
  if (update.g.length !== steps * directions) {
    return reject(
      'wrong-step-count',
      `client ${clientId} must upload ${steps} steps × ${directions} direction(s) = ${steps * directions} g values for round ${round}, got ${update.g.length}`,
    );
  }
  if (!(Number.isSafeInteger(update.numSamples) && update.numSamples > 0)) {
    return reject(
      'invalid-num-samples',
      `numSamples must be a positive integer, got ${update.numSamples}`,
    );
  }
  for (let t = 0; t < update.g.length; t++) {
    const g = update.g[t]!;
    if (!Number.isFinite(g)) return reject('non-finite-g', `g[${t}] is ${g}`);
    if (Math.abs(g) > context.gMax) {
      return reject('g-out-of-bounds', `|g[${t}]| = ${Math.abs(g)} exceeds gMax = ${context.gMax}`);
    }
  }
  const { skippedSteps, loss } = update;
  if (
    skippedSteps !== undefined &&
    !(Number.isInteger(skippedSteps) && skippedSteps >= 0 && skippedSteps <= steps)
  ) {
    return reject(
      'invalid-skipped-steps',
      `skippedSteps must be an integer in [0, ${steps}], got ${skippedSteps}`,
    );
  }
  if (loss !== undefined) {
    const ok =
      typeof loss === 'object' &&
      loss !== null &&
      Number.isFinite(loss.mean) &&
      [loss.first, loss.last].every((v) => v === undefined || Number.isFinite(v));
    if (!ok) {
      return reject('invalid-loss', 'loss.mean (and first/last when given) must be finite numbers');
    }
  }
  return { status: 'accepted' };
}
