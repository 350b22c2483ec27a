import { SeededError } from './errors.js';
import type { UniformRandom } from './philox-uniform-stream.js';
import { nextStandardNormal } from './standard-normal.js';

function checkShape(shape: number): void {
  if (!(Number.isFinite(shape) && shape > 0)) {
    throw new SeededError(
      'SEEDED_INVALID_ARGUMENT',
      `gamma shape must be finite and > 0, got ${shape}`,
    );
  }
}

/**
 * ln X for X ~ Gamma(shape, 1): Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1 the boost
 * X = Y·U^{1/shape} with Y ~ Gamma(shape + 1), computed in log space so tiny shapes never
 * underflow to ln 0.
 */
export function sampleLogGamma(random: UniformRandom, shape: number): number {
  checkShape(shape);
  if (shape < 1) return sampleLogGamma(random, shape + 1) + Math.log(random.nextOpenUnit()) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = nextStandardNormal(random);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = random.nextOpenUnit();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return Math.log(d * v);
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/** X ~ Gamma(shape, scale = 1) (mean = variance = shape). Seeded through `random`. */
export function sampleGamma(random: UniformRandom, shape: number): number {
  return Math.exp(sampleLogGamma(random, shape));
}
