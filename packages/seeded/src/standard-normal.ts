import type { UniformRandom } from './philox-uniform-stream.js';

/**
 * One standard normal draw by the Box–Muller transform, √(−2 ln u₁)·cos(2π u₂), from two open
 * uniforms of `random` (the sine partner is discarded so the stream position stays simple).
 */
export function nextStandardNormal(random: UniformRandom): number {
  const u1 = random.nextOpenUnit();
  const u2 = random.nextOpenUnit();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
