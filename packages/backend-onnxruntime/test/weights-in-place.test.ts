import { causalLmLoss, LlamaModel, TrainableView } from '@meerkat/lm';
import { sharedModel } from '@meerkat/lm/testing';
import { describe, expect, it } from 'vitest';
import { createOrtBackend } from '../src/index.js';

/**
 * Weights are graph inputs bound to the backend's own Float32Arrays: a TrainableView write (what
 * a ZO perturbation does) changes them in place, and the next forward sees it through the same
 * cached session — no copy, no rebuild.
 */
const stories = sharedModel('stories260K');

describe.skipIf(!stories.present)(`masked weights written in place${stories.skipNote}`, () => {
  it('one perturbed masked weight changes the loss; the same session runs; restoring gives the loss bit for bit', async () => {
    const backend = await createOrtBackend({ engine: 'cpu' });
    const model = LlamaModel.load(stories.dir, backend);
    const ids = Uint32Array.from([1, 403, 407, 261, 378, 252, 342, 388, 269, 395, 181, 442]);
    const loss = async () => (await causalLmLoss(model, ids, [1, ids.length])).mean;
    // One weight of layer 0's q_proj (canonical flat index: after the embedding table).
    const embed = model.config.vocabSize * model.config.hiddenSize;
    const view = await TrainableView.create(model, Uint32Array.of(embed + 12345));
    const theta0 = view.read();

    const before = await loss();
    const sessions = backend.stats().misses;
    view.write(Float32Array.of(theta0[0]! + 0.5));
    const perturbed = await loss();
    expect(perturbed).not.toBe(before);
    expect(Math.abs(perturbed - before)).toBeGreaterThan(1e-6);
    view.write(theta0);
    const restored = await loss();
    expect(restored).toBe(before);

    const stats = backend.stats();
    expect(stats.misses).toBe(sessions); // no session was built for the later forwards
    expect(stats.copiesOnWrite).toBe(0); // nothing pending read the weight: written in place
    model.dispose();
    expect(backend.memory().tensors).toBe(0);
    await backend.close();
  });

  it('a result recorded before a write keeps the old values (the weight moves to a copy)', async () => {
    const backend = await createOrtBackend({ engine: 'cpu' });
    const w = backend.upload(Float32Array.of(1, 2, 3, 4), [2, 2]);
    const doubled = backend.scale(w, 2); // recorded, not run yet
    backend.scatterUpdate(w, Uint32Array.of(0), Float32Array.of(10));
    expect([...(await backend.download(doubled))]).toEqual([2, 4, 6, 8]);
    expect([...(await backend.download(w))]).toEqual([10, 2, 3, 4]);
    expect(backend.stats().copiesOnWrite).toBe(1);
    const pending = backend.scale(w, 1);
    backend.scatterUpdate(pending, Uint32Array.of(3), Float32Array.of(-1)); // a recorded ScatterND
    expect([...(await backend.download(pending))]).toEqual([10, 2, 3, -1]);
    backend.dispose([w, doubled, pending]);
  });
});
