import { type Backend, createBackend } from '@meerkat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss, nextTokenTargets } from './causal-lm-loss.js';
import { LmError } from './errors.js';
import { LlamaModel } from './model.js';
import { GOLDEN } from './testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';

describe('nextTokenTargets', () => {
  it('skips targets whose input or target is padding', () => {
    const ids = Uint32Array.of(0, 5, 6, 7, /* row 2 */ 8, 9, 0, 0);
    const mask = Uint32Array.of(0, 1, 1, 1, 1, 1, 0, 0);
    const t = nextTokenTargets(ids, [2, 4], mask);
    expect([...t.rows]).toEqual([1, 2, 4]);
    expect([...t.targets]).toEqual([6, 7, 9]);
    expect([...t.sequence]).toEqual([0, 0, 1]);
  });
});

describe.skipIf(!HAVE_STORIES)(
  `causalLmLoss on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    let backend: Backend;
    let model: LlamaModel;
    beforeAll(async () => {
      backend = await createBackend('reference:cpu');
      model = LlamaModel.load(STORIES_DIR, backend);
    });

    it('mean NLL of every golden case within 1e-4 of mean_nll', async () => {
      let worst = 0;
      for (const c of GOLDEN!.cases) {
        const ids = Uint32Array.from(c.ids);
        const loss = await causalLmLoss(model, ids, [1, ids.length]);
        expect(loss.targetCount).toBe(ids.length - 1);
        worst = Math.max(worst, Math.abs(loss.mean - c.mean_nll));
      }
      console.log(`stories260K golden: max |mean NLL − reference| = ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-4);
    });

    it('a left-padded batch gives each sequence its own mean NLL, and the token-weighted mean overall', async () => {
      const cases = GOLDEN!.cases.slice(0, 4);
      const s = Math.max(...cases.map((c) => c.ids.length));
      const ids = new Uint32Array(cases.length * s);
      const mask = new Uint32Array(cases.length * s);
      let weighted = 0;
      let count = 0;
      cases.forEach((c, r) => {
        ids.set(c.ids, r * s + s - c.ids.length);
        mask.fill(1, r * s + s - c.ids.length, (r + 1) * s);
        weighted += c.mean_nll * (c.ids.length - 1);
        count += c.ids.length - 1;
      });
      const before = backend.memory();
      const loss = await causalLmLoss(model, ids, [cases.length, s], mask);
      expect(backend.memory()).toEqual(before);
      cases.forEach((c, r) => {
        expect(loss.targetsPerSequence[r]).toBe(c.ids.length - 1);
        expect(Math.abs(loss.perSequence[r]! - c.mean_nll)).toBeLessThan(1e-4);
      });
      expect(Math.abs(loss.mean - weighted / count)).toBeLessThan(1e-4);
    });

    it('throws LM_INVALID_ARGUMENT when there is no target', async () => {
      await expect(causalLmLoss(model, Uint32Array.of(1), [1, 1])).rejects.toThrow(LmError);
    });
  },
);
