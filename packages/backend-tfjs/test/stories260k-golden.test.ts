import { causalLmLoss, LlamaModel } from '@meerkat/lm';
import { describe, expect, it } from 'vitest';
// The shared model's location and golden file, from @meerkat/lm's own test helpers.
import { GOLDEN, goldenForward } from '../../lm/test/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../../lm/test/model-dir.js';
import { createTfjsBackend } from '../src/index.js';

/**
 * The real pretrained stories260K model, through @meerkat/lm's loader and decoder, on each
 * TensorFlow.js engine available here, against golden.json (an independent PyTorch forward).
 */
describe.skipIf(!HAVE_STORIES)(
  `stories260K golden logits on TensorFlow.js${STORIES_SKIP_NOTE}`,
  () => {
    it.each(['wasm', 'cpu'] as const)(
      'tfjs:%s: last logits within 1e-4, argmax per position and mean NLL agree',
      async (engine) => {
        const backend = await createTfjsBackend(engine);
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
          `tfjs:${engine} stories260K: max |logit − golden| ${worstLogit.toExponential(2)}, max |mean NLL − golden| ${worstNll.toExponential(2)}`,
        );
        expect(worstLogit).toBeLessThan(1e-4);
        expect(worstNll).toBeLessThan(1e-4);
      },
    );
  },
);
