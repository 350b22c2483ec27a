import { describe, expect, it } from 'vitest';
import { GradipError } from './errors.js';
import { scoreDetection } from './score-detection.js';

describe('scoreDetection', () => {
  it('computes the confusion table, precision, recall and F1', () => {
    const flags = { a: true, b: true, c: false, d: false, e: true };
    const truth = { a: true, b: false, c: true, d: false, e: true };
    const s = scoreDetection(flags, truth);
    expect(s.confusion).toEqual({
      truePositives: 2,
      falsePositives: 1,
      falseNegatives: 1,
      trueNegatives: 1,
    });
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.recall).toBeCloseTo(2 / 3, 15);
    expect(s.f1).toBeCloseTo(2 / 3, 15);
  });

  it('accepts detector output and maps; NaN where undefined', () => {
    const detections = [
      { clientId: 'x', flagged: false },
      { clientId: 'y', flagged: false },
    ] as unknown as Parameters<typeof scoreDetection>[0];
    const s = scoreDetection(
      detections,
      new Map([
        ['x', true],
        ['y', false],
      ]),
    );
    expect(Number.isNaN(s.precision)).toBe(true);
    expect(s.recall).toBe(0);
    expect(Number.isNaN(s.f1)).toBe(true);
  });

  it('refuses mismatched client sets', () => {
    expect(() => scoreDetection({ a: true }, { b: true })).toThrow(GradipError);
    expect(() => scoreDetection({ a: true }, { a: true, b: false })).toThrow(/no flag/);
  });
});
