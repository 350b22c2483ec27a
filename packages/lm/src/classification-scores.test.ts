import { type Backend, createBackend } from '@meerkat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { classificationScores, verbalizerAccuracy } from './classification-scores.js';
import { LmError } from './errors.js';
import { LlamaModel } from './model.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';
import { loadTokenizer } from './tokenizer.js';

describe('verbalizerAccuracy', () => {
  it('counts matches', () => {
    expect(verbalizerAccuracy([0, 1, 1, 0], [0, 1, 0, 0])).toBe(0.75);
    expect(() => verbalizerAccuracy([0], [0, 1])).toThrow(LmError);
  });
});

describe.skipIf(!HAVE_STORIES)(
  `classificationScores on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    let backend: Backend;
    let model: LlamaModel;
    beforeAll(async () => {
      backend = await createBackend('reference:cpu');
      model = LlamaModel.load(STORIES_DIR, backend);
    });

    /** Σ log p(word_m | prompt, word_<m) from the full logits of the unpadded sequence, in float64. */
    async function bruteForce(prompt: Uint32Array, word: Uint32Array): Promise<number> {
      const ids = Uint32Array.from([...prompt, ...word]);
      const t = model.forward(ids, [1, ids.length], { logits: 'all' });
      const logits = await backend.download(t);
      t.dispose();
      const V = model.config.vocabSize;
      let total = 0;
      for (let m = 0; m < word.length; m++) {
        const row = logits.subarray((prompt.length + m - 1) * V, (prompt.length + m) * V);
        let max = -Infinity;
        for (const v of row) max = Math.max(max, v);
        let z = 0;
        for (const v of row) z += Math.exp(v - max);
        total += row[word[m]!]! - max - Math.log(z);
      }
      return total;
    }

    it('scores equal the summed per-token log-probs from full logits, for multi-token label words', async () => {
      const tok = loadTokenizer(STORIES_DIR);
      const prompts = ['Once upon a time, there was a', 'The cat sat on the', 'Lily was very'].map(
        (t) => Uint32Array.from(tok.encode(t)),
      );
      const labels = [' little girl', ' mat', ' happy', ' sad and tired'].map((t) =>
        Uint32Array.from(tok.encode(t, { addSpecialTokens: false })),
      );
      expect(labels.some((l) => l.length > 1)).toBe(true);
      const before = backend.memory();
      const res = await classificationScores(model, prompts, labels, { batchSize: 5 });
      expect(backend.memory()).toEqual(before);
      expect(res.scores.length).toBe(prompts.length * labels.length);
      for (let p = 0; p < prompts.length; p++) {
        for (let l = 0; l < labels.length; l++) {
          const want = await bruteForce(prompts[p]!, labels[l]!);
          expect(Math.abs(res.scores[p * labels.length + l]! - want)).toBeLessThan(1e-4);
          expect(res.scores[p * labels.length + l]!).toBeLessThan(0);
        }
        const row = [...res.scores.subarray(p * labels.length, (p + 1) * labels.length)];
        expect(res.predictions[p]).toBe(row.indexOf(Math.max(...row)));
      }
    });
  },
);
