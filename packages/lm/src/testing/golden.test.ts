import { createBackend } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { LlamaModel } from '../model.js';
import { GOLDEN, goldenAgreement, goldenGreedy } from './golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './model-dir.js';

describe.skipIf(!HAVE_STORIES)(`golden helpers on stories260K${STORIES_SKIP_NOTE}`, () => {
  it('goldenAgreement: reference:cpu agrees; a golden file with one logit, argmax and NLL moved does not', async () => {
    const backend = await createBackend('reference:cpu');
    const model = LlamaModel.load(STORIES_DIR, backend);
    const golden = GOLDEN!;
    const agreement = await goldenAgreement(model, golden);
    expect(agreement.argmax).toEqual(agreement.goldenArgmax);
    expect(agreement.goldenArgmax).toHaveLength(golden.cases.length);
    expect(agreement.worstLogitError).toBeLessThan(1e-4);
    expect(agreement.worstNllError).toBeLessThan(1e-4);
    expect(agreement.worstRelativeNllError).toBeLessThanOrEqual(agreement.worstNllError);
    expect(agreement.summary).toMatch(/^max \|logit − golden\| \S+, max \|mean NLL − golden\| /);

    const [first, ...rest] = golden.cases;
    const moved = {
      ...golden,
      cases: [
        {
          ...first!,
          last_logits: first!.last_logits.map((v, i) => (i === 3 ? v + 0.5 : v)),
          argmax_per_position: first!.argmax_per_position.map((v) => v + 1),
          mean_nll: first!.mean_nll + 0.25,
        },
        ...rest,
      ],
    };
    const off = await goldenAgreement(model, moved);
    expect(off.argmax).not.toEqual(off.goldenArgmax);
    expect(off.worstLogitError).toBeGreaterThan(0.49);
    expect(off.worstNllError).toBeGreaterThan(0.24);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('goldenGreedy: the prompt and its golden continuation, token for token', async () => {
    const backend = await createBackend('reference:cpu');
    const model = LlamaModel.load(STORIES_DIR, backend);
    const { expected, generated } = await goldenGreedy(model, GOLDEN!);
    expect(expected).toBe(GOLDEN!.greedy.ids);
    expect(generated.slice(0, GOLDEN!.cases[0]!.ids.length)).toEqual(GOLDEN!.cases[0]!.ids);
    expect(generated).toEqual(expected);
    model.dispose();
  });
});
