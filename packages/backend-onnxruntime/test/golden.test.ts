import { LlamaModel } from '@meerkat/lm';
import { goldenAgreement, goldenGreedy, readGolden, sharedModel } from '@meerkat/lm/testing';
import { describe, expect, it } from 'vitest';
import { createOrtBackend } from '../src/index.js';

/**
 * The real pretrained models through @meerkat/lm's loader and decoder, each forward traced into
 * one ONNX graph and run by ONNX Runtime on the CPU, against golden.json (an independent PyTorch
 * forward): every last-position logit within 1e-4, argmax at every position, mean NLL.
 */
for (const name of ['stories260K', 'stories15M'] as const) {
  const shared = sharedModel(name);
  describe.skipIf(!shared.present)(`${name} golden logits on ort:cpu${shared.skipNote}`, () => {
    const golden = shared.present ? readGolden(shared.dir) : null;

    it('last logits within 1e-4, argmax per position and mean NLL agree; nothing leaks', async () => {
      const backend = await createOrtBackend({ engine: 'cpu' });
      const model = LlamaModel.load(shared.dir, backend);
      const agreement = await goldenAgreement(model, golden!);
      console.log(`ort:cpu ${name}: ${agreement.summary}`);
      expect(agreement.argmax).toEqual(agreement.goldenArgmax);
      expect(agreement.worstLogitError).toBeLessThan(1e-4);
      // Relative for large NLLs: on stories15M's 3-token case (NLL 9.27) tfjs:wasm and ort:cpu
      // agree to 1e-5 with each other and both differ from the reference by 1.5e-4.
      expect(agreement.worstRelativeNllError).toBeLessThan(1e-4);
      model.dispose();
      expect(backend.memory().tensors).toBe(0);
      await backend.close();
    }, 60_000);

    it('greedy continuation of the golden prompt matches token for token', async () => {
      const backend = await createOrtBackend({ engine: 'cpu' });
      const model = LlamaModel.load(shared.dir, backend);
      const { expected, generated } = await goldenGreedy(model, golden!);
      expect(generated).toEqual(expected);
      model.dispose();
      await backend.close();
    }, 120_000);
  });
}
