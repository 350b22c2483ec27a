import { sharedModel } from '@meerkat/lm/testing';
import { describe, expect, it } from 'vitest';
import { Meerkat } from '../src/meerkat.js';
import type { RunSummary } from '../src/run-files.js';
import { tempRunDir } from '../src/testing/stories.js';

const stories15M = sharedModel('stories15M');

/**
 * What stories260K cannot show (its zero-shot answer is already the majority class, and no ZO run
 * moves it): on stories15M the zero-shot model prefers " bad" (spam) for most e-mails, and a short
 * Meerkat run moves its decisions to the class prior: accuracy from ≈ 37% to the majority rate,
 * and the test loss from ≈ 1.0 down to near the class prior's entropy (summary.references).
 */
describe.skipIf(!stories15M.present)(
  `a short Meerkat run on stories15M learns the class prior${stories15M.skipNote}`,
  () => {
    it('lifts accuracy off zero-shot to about the majority rate, the loss toward the prior', async () => {
      const trainer = new Meerkat({
        model: stories15M.dir,
        runDir: tempRunDir(),
        method: 'meerkat',
        backend: 'ort:cpu',
        seed: 0,
        clients: 2,
        partition: { kind: 'iid' },
        rounds: 10,
        localSteps: 5, // the default lr for k = 15,192: 9.9e-3
        batchSize: 8,
        task: { verbalizer: { ham: ' good', spam: ' bad' }, testExamples: 100 },
        // A small calibration keeps the test short; the mask is still the top 0.1% Fisher weights.
        mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 32 } },
        evaluation: { every: 10, testSize: 100 },
      });
      let summary: RunSummary | undefined;
      for await (const e of trainer.run()) if (e.type === 'done') summary = e.summary;
      const s = summary!;
      const ref = s.references!;
      expect(ref.majorityLabel).toBe('ham');
      expect(s.initialAccuracy!).toBeLessThan(0.5);
      expect(s.initialLoss!).toBeGreaterThan(ref.priorLoss + 0.25);
      expect(s.finalAccuracy!).toBeGreaterThan(ref.majorityAccuracy - 0.1);
      expect(s.finalLoss!).toBeLessThan(s.initialLoss! - 0.2);
      expect(s.finalLoss!).toBeLessThan(ref.priorLoss + 0.12);
    }, 240_000);
  },
);
