import { classPriorReferences } from '@meerkat/trainer';
import { describe, expect, it } from 'vitest';
import {
  accuracyByRoundChart,
  lossByRoundChart,
  perplexityByRoundChart,
} from '../src/chart-specs.js';
import type { RunRecord } from '../src/read-run-dir.js';
import { referenceLines } from '../src/report-data.js';

describe('classPriorReferences', () => {
  it('scores the training majority and the add-one-smoothed training prior on the evaluated labels', () => {
    // Training: 6 ham (0), 2 spam (1) → smoothed prior (7/10, 3/10); evaluated: 3 ham, 1 spam.
    const r = classPriorReferences(['ham', 'spam'], [0, 0, 0, 0, 0, 0, 1, 1], [0, 1, 0, 0]);
    expect(r.majorityLabel).toBe('ham');
    expect(r.majorityAccuracy).toBe(0.75);
    expect(r.priorLoss).toBeCloseTo(-(3 * Math.log(0.7) + Math.log(0.3)) / 4, 12);
  });

  it('stays finite for a label absent from training, and picks the first label on a tie', () => {
    const r = classPriorReferences(['a', 'b', 'c'], [0, 1], [2, 2]);
    expect(r.majorityLabel).toBe('a');
    expect(r.majorityAccuracy).toBe(0);
    expect(r.priorLoss).toBeCloseTo(-Math.log(1 / 5), 12);
  });
});

function record(summary: Partial<RunRecord['summary'] & object>): RunRecord {
  return { dir: 'x', config: {}, metrics: [], summary } as unknown as RunRecord;
}

describe('report reference lines', () => {
  const refs = { majorityLabel: 'ham', majorityAccuracy: 0.73, priorLoss: 0.588 };
  it('draws the majority, the class prior and zero-shot when every run agrees', () => {
    const lines = referenceLines([
      record({ references: refs, initialAccuracy: 0.365, initialLoss: 0.956 }),
      record({ references: refs, initialAccuracy: 0.365, initialLoss: 0.956 }),
    ]);
    expect(lines.accuracy).toEqual([
      { label: 'majority class (ham)', value: 0.73 },
      { label: 'zero-shot', value: 0.365 },
    ]);
    expect(lines.loss).toEqual([
      { label: 'class prior', value: 0.588 },
      { label: 'zero-shot', value: 0.956 },
    ]);
    const spec = JSON.stringify(accuracyByRoundChart([], lines.accuracy).spec);
    expect(spec).toContain('"rule"');
    expect(lossByRoundChart([], lines.loss).caption).toContain('class prior, zero-shot');
  });

  it('draws none for runs on different test sets, or without references', () => {
    const other = { ...refs, majorityAccuracy: 0.68, priorLoss: 0.627 };
    expect(referenceLines([record({ references: refs }), record({ references: other })])).toEqual({
      accuracy: [],
      loss: [],
    });
    expect(referenceLines([record({ initialAccuracy: 0.5 })])).toEqual({ accuracy: [], loss: [] });
    expect(JSON.stringify(accuracyByRoundChart([]).spec)).not.toContain('"rule"');
  });

  it('draws each metric against rounds from its own fields: mean line, band, points kept per metric', () => {
    const point = (round: number, accuracy: number | null, perplexity: number | null) => ({
      series: 'meerkat',
      round,
      accuracy,
      accuracyLow: accuracy,
      accuracyHigh: accuracy,
      loss: 1,
      lossLow: 1,
      lossHigh: 1,
      perplexity,
      perplexityLow: perplexity,
      perplexityHigh: perplexity,
      cumulativeBytesPerClient: 0,
    });
    const points = [point(0, null, 60), point(5, null, 31), point(5, 0.7, null)];
    const ppl = perplexityByRoundChart(points as never).spec as { data: { values: unknown[] } };
    expect(ppl.data.values).toHaveLength(2);
    const text = JSON.stringify(ppl);
    expect(text).toContain('"field":"perplexityLow"');
    expect(text).toContain('"title":"held-out perplexity"');
    expect(text).not.toContain('"rule"');
    const acc = accuracyByRoundChart(points as never).spec as { data: { values: unknown[] } };
    expect(acc.data.values).toHaveLength(1);
    expect(JSON.stringify(acc)).toContain('"format":".0%"');
  });
});
