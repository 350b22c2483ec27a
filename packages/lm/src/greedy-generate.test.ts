import { createBackend } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { greedyGenerate } from './greedy-generate.js';
import { LlamaModel } from './model.js';
import { GOLDEN } from './testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';

describe.skipIf(!HAVE_STORIES)(
  `greedyGenerate on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    it('reproduces the golden greedy continuation of "Once upon a time" token for token', async () => {
      const backend = await createBackend('reference:cpu');
      const model = LlamaModel.load(STORIES_DIR, backend);
      const golden = GOLDEN!.greedy.ids;
      const prompt = Uint32Array.from(GOLDEN!.cases[0]!.ids); // the same prompt, BOS included
      expect([...prompt]).toEqual(golden.slice(0, prompt.length));
      const out = await greedyGenerate(model, prompt, golden.length - prompt.length);
      expect([...out]).toEqual(golden);
      model.dispose();
      expect(backend.memory().tensors).toBe(0);
    });
  },
);
