import { sampleLogGamma, type UniformRandom } from '@meerkat/seeded';
import { FedAggregateError } from './errors.js';

/**
 * One draw from Dirichlet(α₁..α_n): normalised Gamma(α_i) variates, normalised in log space
 * (log-sum-exp) so very small α stay well defined. `alpha` is one concentration for all
 * `n` components, or one per component. The result sums to 1 (up to float64 rounding).
 */
export function sampleDirichlet(
  random: UniformRandom,
  alpha: number | readonly number[],
  n: number = typeof alpha === 'number' ? 0 : alpha.length,
): Float64Array {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `Dirichlet needs n >= 1 components, got ${n}`,
    );
  }
  const out = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const a = typeof alpha === 'number' ? alpha : alpha[i]!;
    out[i] = sampleLogGamma(random, a);
    if (out[i]! > max) max = out[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(out[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / sum;
  return out;
}
