import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  causalLmLoss,
  LlamaModel,
  loadTokenizer,
  parameterSpecs,
  TrainableView,
} from '@meerkat/lm';
import { createLayout, decodeMask, encodeMask } from '@meerkat/sparse-mask';
import { describe, expect, it } from 'vitest';
import { gradientBackend } from '../src/backend.js';
import { calibrateMask } from '../src/calibration/calibrate-mask.js';
import { loadCorpusText, sampleCorpusSequences } from '../src/calibration/corpus.js';
import { MeerkatError } from '../src/errors.js';
import { readMaskFile } from '../src/plan/resolve-mask.js';
import {
  HAVE_STORIES,
  STORIES_DIR,
  STORIES_SKIP_NOTE,
  tempRunDir,
} from '../src/testing/stories.js';

const SUITE = `mask calibration on Moby-Dick (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  it('writes a mask sparse-mask decodes for this model; ḡ_pre matches a finite difference of the causal-LM loss', async () => {
    const { backend } = await gradientBackend('mask calibration');
    const model = LlamaModel.load(STORIES_DIR, backend);
    const tokenizer = loadTokenizer(STORIES_DIR);
    const options = {
      model,
      tokenizer,
      corpus: 'builtin:moby-dick',
      density: 1e-3,
      batches: 1,
      batchSize: 2,
      seqLen: 24,
      seed: 5n,
    };
    const calibrated = await calibrateMask(options);
    const layout = createLayout(parameterSpecs(model.config));
    expect(calibrated.layout.fingerprint).toBe(layout.fingerprint);
    const dir = tempRunDir();
    writeFileSync(`${dir}-mask.bin`, calibrated.bytes);
    const mask = readMaskFile(`${dir}-mask.bin`, layout, true);
    expect(mask.indices.length).toBe(260);
    expect(mask.fingerprint).toBe(layout.fingerprint);
    expect(decodeMask(encodeMask(mask), layout).indices).toEqual(calibrated.mask.indices);
    // With one batch, ḡ_pre is that batch's gradient: check the largest entry by central differences.
    const g = mask.gradMean!;
    let j = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[j]!)) j = i;
    const seqs = sampleCorpusSequences(loadCorpusText('builtin:moby-dick'), tokenizer, {
      count: 2,
      seqLen: 24,
      seed: 5n,
    });
    const ids = new Uint32Array(48);
    ids.set(seqs[0]!, 0);
    ids.set(seqs[1]!, 24);
    const view = await TrainableView.create(model, Uint32Array.of(mask.indices[j]!));
    const w = view.read()[0]!;
    const h = 1e-2;
    view.write(Float32Array.of(w + h));
    const plus = (await causalLmLoss(model, ids, [2, 24])).mean;
    view.write(Float32Array.of(w - h));
    const minus = (await causalLmLoss(model, ids, [2, 24])).mean;
    view.write(Float32Array.of(w));
    const fd = (plus - minus) / (2 * h);
    expect(Math.abs(fd - g[j]!)).toBeLessThan(0.05 * Math.abs(g[j]!) + 1e-3);
    // Scores are the Fisher diagonal at the mask: g² for one batch.
    expect(mask.scores![j]).toBeCloseTo(g[j]! ** 2, 4);
    model.dispose();
  }, 60_000);

  it('refuses a mask of another model with a typed error naming both fingerprints', () => {
    const other = createLayout([{ name: 'w', shape: [1000] }]);
    const path = join(tempRunDir(), '..', 'other.bin');
    writeFileSync(
      path,
      encodeMask({
        fingerprint: other.fingerprint,
        d: 1000,
        indices: Uint32Array.of(1, 2),
        gradMean: Float32Array.of(1, 2),
      }),
    );
    const layout = createLayout([{ name: 'v', shape: [1000] }]);
    try {
      readMaskFile(path, layout, false);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MeerkatError);
      expect((e as MeerkatError).code).toBe('MEERKAT_MASK_MISMATCH');
      expect((e as Error).message).toContain(other.fingerprint);
      expect((e as Error).message).toContain(layout.fingerprint);
    }
    expect(() => readMaskFile(join(path, 'nope'), layout, false)).toThrow(/does not exist/);
  });
});
