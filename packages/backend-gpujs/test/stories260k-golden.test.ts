import { LlamaModel } from '@meerkat/lm';
import {
  GOLDEN,
  goldenAgreement,
  goldenGreedy,
  HAVE_STORIES,
  STORIES_DIR,
  STORIES_SKIP_NOTE,
} from '@meerkat/lm/testing';
import { describe, expect, it } from 'vitest';
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
      const agreement = await goldenAgreement(model, GOLDEN!);
      console.log(`gpujs:${mode} stories260K: ${agreement.summary}`);
      expect(agreement.argmax).toEqual(agreement.goldenArgmax);
      expect(agreement.worstLogitError).toBeLessThan(1e-4);
      expect(agreement.worstNllError).toBeLessThan(1e-4);
      model.dispose();
      expect(backend.memory().tensors).toBe(0);
    },
    30_000,
  );

  it('gpujs:webasm: greedy continuation of "Once upon a time" matches golden token for token', async () => {
    const backend = await createGpujsBackend({ mode: 'webasm' });
    const model = LlamaModel.load(STORIES_DIR, backend);
    const { expected, generated } = await goldenGreedy(model, GOLDEN!);
    expect(generated).toEqual(expected);
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
  }, 60_000);
});
