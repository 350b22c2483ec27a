import { describe, expect, it } from 'vitest';
import { nextStandardNormal, PhiloxUniformStream } from './index.js';

describe('standard normal (Box–Muller)', () => {
  it('is √(−2 ln u₁)·cos(2π u₂) of two open uniforms (pinned values)', () => {
    const r = new PhiloxUniformStream(42n, 3);
    const u = new PhiloxUniformStream(42n, 3);
    for (let i = 0; i < 20; i++) {
      const u1 = u.nextOpenUnit();
      const u2 = u.nextOpenUnit();
      expect(nextStandardNormal(r)).toBe(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
  });

  it('has mean 0 and variance 1 within 5 standard errors', () => {
    const r = new PhiloxUniformStream(2n, 7);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = nextStandardNormal(r);
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    // var(X²) = 2 for a standard normal.
    expect(Math.abs(sq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});
