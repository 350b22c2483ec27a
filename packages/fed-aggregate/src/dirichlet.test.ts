import { PhiloxUniformStream } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { sampleDirichlet } from './dirichlet.js';

const KAT = [
  0.05558939727257288, 0.06051204589524385, 3.821561574885277e-7, 0.2436129763803136,
  0.008906815908638573, 0.6313783823870736,
];

describe('sampleDirichlet', () => {
  it('reproduces its known-answer values (pinned before the samplers moved to @meerkat/seeded)', () => {
    expect(
      Array.from(sampleDirichlet(new PhiloxUniformStream(31n, 0x50415254, 2), 0.3, 6)),
    ).toEqual(KAT);
  });

  it('rows are positive-or-zero and sum to 1; component means are α_i/Σα', () => {
    const r = new PhiloxUniformStream(3n, 4);
    const alpha = [0.5, 1, 2.5];
    const total = 4;
    const n = 20_000;
    const sums = [0, 0, 0];
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const q = sampleDirichlet(r, alpha);
      worst = Math.max(worst, Math.abs(q.reduce((a, b) => a + b, 0) - 1));
      q.forEach((v, j) => {
        sums[j]! += v;
      });
    }
    expect(worst).toBeLessThan(1e-12);
    alpha.forEach((a, j) => {
      const m = a / total;
      const sd = Math.sqrt((m * (1 - m)) / (total + 1));
      expect(Math.abs(sums[j]! / n - m)).toBeLessThan((5 * sd) / Math.sqrt(n));
    });
  });

  it('stays well defined for tiny α (log-space normalisation)', () => {
    const r = new PhiloxUniformStream(4n, 4);
    for (let i = 0; i < 100; i++) {
      const q = sampleDirichlet(r, 0.001, 10);
      expect(q.every(Number.isFinite)).toBe(true);
      expect(Math.abs(q.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
  });
});
