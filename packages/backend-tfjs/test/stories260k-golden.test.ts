import { LlamaModel } from '@meerkat/lm';
import {
  GOLDEN,
  goldenAgreement,
  HAVE_STORIES,
  STORIES_DIR,
  STORIES_SKIP_NOTE,
} from '@meerkat/lm/testing';
import { describe, expect, it } from 'vitest';
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
        const agreement = await goldenAgreement(model, GOLDEN!);
        console.log(`tfjs:${engine} stories260K: ${agreement.summary}`);
        expect(agreement.argmax).toEqual(agreement.goldenArgmax);
        expect(agreement.worstLogitError).toBeLessThan(1e-4);
        expect(agreement.worstNllError).toBeLessThan(1e-4);
      },
    );
  },
);
