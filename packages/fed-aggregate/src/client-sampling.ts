import { PhiloxUniformStream, shuffleInPlace } from '@meerkat/seeded';
import { compareClientIds } from './build-replay-log.js';
import { FedAggregateError } from './errors.js';
import { STREAM_DOMAIN } from './stream-domains.js';

/** How many registered clients take part in a round: a fraction (rounded up, at least 1) or a count. */
export type Participation = { readonly fraction: number } | { readonly count: number };

/** Number of clients a round samples out of `registered`. */
export function participantCount(registered: number, participation: Participation): number {
  if (registered === 0) return 0;
  if ('fraction' in participation) {
    const { fraction } = participation;
    if (!(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `participation fraction must be in (0, 1], got ${fraction}`,
      );
    }
    // The epsilon absorbs binary rounding, e.g. 0.29 · 100 = 28.999999999999996 → 29.
    return Math.min(registered, Math.max(1, Math.ceil(fraction * registered - 1e-9)));
  }
  const { count } = participation;
  if (!(Number.isInteger(count) && count >= 1)) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `participation count must be an integer >= 1, got ${count}`,
    );
  }
  return Math.min(registered, count);
}

/**
 * Seeded client sampling for round `round`: sorts the registered ids (code-unit order), shuffles
 * them with a Philox stream keyed on (runSeed, round), takes the first m and returns them sorted.
 * Any party that knows runSeed, round and the registered ids recomputes the same sample.
 */
export function sampleClients(
  runSeed: bigint,
  round: number,
  registered: readonly string[],
  participation: Participation,
): string[] {
  const ids = [...new Set(registered)].sort(compareClientIds);
  if (ids.length !== registered.length) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'registered client ids must be unique');
  }
  const m = participantCount(ids.length, participation);
  shuffleInPlace(ids, new PhiloxUniformStream(runSeed, STREAM_DOMAIN.clientSampling, round));
  return ids.slice(0, m).sort(compareClientIds);
}
