import { causalLmLoss, greedyGenerate, LlamaModel } from '@meerkat/lm';
import { describe, expect, it } from 'vitest';
// The shared model's location and golden file, from @meerkat/lm's own test helpers.
import { GOLDEN, goldenForward } from '../../lm/test/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../../lm/test/model-dir.js';
import { createGpujsBackend } from '../src/index.js';

/**
 * The real pretrained stories260K model, through @meerkat/lm's loader and decoder, on each
 * gpu.js mode available here, against golden.json (an independent PyTorch forward). Every mode
 * here computes in float32 (webasm) or better (cpu), so the tolerance is 1e-4.
 */

describe.skipIf(!HAVE_STORIES)(`stories260K golden logits on gpu.js${STORIES_SKIP_NOTE}`, () => {
  it.each(['webasm', 'cpu'] as const)(
    'gpujs:%s: last logits within 1e-4, argmax per position and mean NLL agree',
    async (mode) => {
      const backend = await createGpujsBackend({ mode });
      const model = LlamaModel.load(STORIES_DIR, backend);
      let worstLogit = 0;
      let worstNll = 0;
      for (const c of GOLDEN!.cases) {
        const { lastLogitError, argmax } = await goldenForward(model, c);
        worstLogit = Math.max(worstLogit, lastLogitError);
        expect(argmax).toEqual(c.argmax_per_position);
        const ids = Uint32Array.from(c.ids);
        const loss = await causalLmLoss(model, ids, [1, ids.length]);
        worstNll = Math.max(worstNll, Math.abs(loss.mean - c.mean_nll));
      }
      console.log(
        `gpujs:${mode} stories260K: max |logit − golden| ${worstLogit.toExponential(2)}, max |mean NLL − golden| ${worstNll.toExponential(2)}`,
      );
      expect(worstLogit).toBeLessThan(1e-4);
      expect(worstNll).toBeLessThan(1e-4);
      model.dispose();
      expect(backend.memory().tensors).toBe(0);
    },
    30_000,
  );

  it('gpujs:webasm: greedy continuation of "Once upon a time" matches golden token for token', async () => {
    const backend = await createGpujsBackend({ mode: 'webasm' });
    const model = LlamaModel.load(STORIES_DIR, backend);
    const golden = GOLDEN!.greedy.ids;
    const prompt = Uint32Array.from(GOLDEN!.cases[0]!.ids);
    expect([...prompt]).toEqual(golden.slice(0, prompt.length));
    const out = await greedyGenerate(model, prompt, golden.length - prompt.length);
    expect([...out]).toEqual(golden);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  }, 60_000);
});
