import { type Backend, createBackend } from '@meerkat/tensor';
import { SeededRandom } from '@meerkat/tensor/conformance';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.js';
import { LmError } from './errors.js';
import { LlamaModel } from './model.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';
import { TrainableView } from './trainable-view.js';

describe.skipIf(!HAVE_STORIES)(
  `TrainableView on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await createBackend('reference:cpu');
    });

    it('after write, forward equals a forward on host-edited weights', async () => {
      const ckpt = loadCheckpoint(STORIES_DIR);
      const model = LlamaModel.fromCheckpoint(ckpt, backend);
      const total = ckpt.parameterCount;
      // A seeded mask of 2000 distinct indices in random order, plus the first and last parameter.
      const rng = new SeededRandom(7);
      const chosen = new Set<number>([0, total - 1]);
      while (chosen.size < 2002) chosen.add(Math.floor(rng.next() * total));
      const indices = Uint32Array.from([...chosen]);
      const view = await TrainableView.create(model, indices);
      expect(view.size).toBe(indices.length);
      expect(view.tensorNames.length).toBeGreaterThan(20);

      // Host copy of the weights, to read originals and apply the same edit.
      const host = new Map<string, Float32Array>();
      const owner: { name: string; local: number }[] = [];
      let offset = 0;
      const starts: number[] = [];
      for (const s of ckpt.specs) {
        host.set(s.name, ckpt.tensors.get(s.name)!.data());
        starts.push(offset);
        offset += ckpt.tensors.get(s.name)!.size;
      }
      for (const idx of indices) {
        let t = starts.length - 1;
        while (starts[t]! > idx) t--;
        owner.push({ name: ckpt.specs[t]!.name, local: idx - starts[t]! });
      }
      const before = view.read();
      owner.forEach((o, i) => {
        expect(before[i]).toBe(host.get(o.name)![o.local]);
      });

      const edited = Float32Array.from(before, (v) => v + 0.5 * (rng.next() - 0.5));
      view.write(edited);
      expect([...view.read()]).toEqual([...edited]);
      owner.forEach((o, i) => {
        host.get(o.name)![o.local] = edited[i]!;
      });
      const reference = LlamaModel.fromWeights(ckpt.config, host, backend);

      const ids = Uint32Array.of(1, 403, 407, 261, 378, 432, 383, 286);
      const a = model.forward(ids, [1, ids.length], { logits: 'all' });
      const b = reference.forward(ids, [1, ids.length], { logits: 'all' });
      const got = await backend.download(a);
      const want = await backend.download(b);
      backend.dispose([a, b]);
      expect([...got]).toEqual([...want]);

      // Writing the originals back restores the checkpoint's logits.
      const original = LlamaModel.fromCheckpoint(ckpt, backend);
      view.write(before);
      const c = model.forward(ids, [1, ids.length], { logits: 'all' });
      const d = original.forward(ids, [1, ids.length], { logits: 'all' });
      const restored = await backend.download(d);
      expect([...(await backend.download(c))]).toEqual([...restored]);
      // ... and the edit really moved the logits.
      let moved = 0;
      for (let i = 0; i < got.length; i++)
        moved = Math.max(moved, Math.abs(got[i]! - restored[i]!));
      expect(moved).toBeGreaterThan(1e-2);
      backend.dispose([c, d]);
      for (const m of [model, reference, original]) m.dispose();
      expect(backend.memory().tensors).toBe(0);
    });

    it('a full-parameter view (slots in runs) and a reversed one (scattered slots) write the same weights', async () => {
      const ckpt = loadCheckpoint(STORIES_DIR);
      const total = ckpt.parameterCount;
      const ascending = Uint32Array.from({ length: total }, (_, i) => i);
      const descending = ascending.slice().reverse();
      const values = Float32Array.from({ length: total }, (_, i) => Math.sin(i));
      const weights: Float32Array[] = [];
      for (const [indices, vals] of [
        [ascending, values],
        [descending, values.slice().reverse()],
      ] as const) {
        const model = LlamaModel.fromCheckpoint(ckpt, backend);
        const view = await TrainableView.create(model, indices);
        view.write(vals);
        const flat = new Float32Array(total);
        let offset = 0;
        for (const spec of ckpt.specs) {
          const w = await backend.download(model.weight(spec.name));
          flat.set(w, offset);
          offset += w.length;
        }
        weights.push(flat);
        model.dispose();
      }
      expect(Buffer.compare(Buffer.from(weights[0]!.buffer), Buffer.from(values.buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(weights[1]!.buffer), Buffer.from(values.buffer))).toBe(0);
    });

    it('rejects duplicate or out-of-range indices and wrong-length writes', async () => {
      const model = LlamaModel.load(STORIES_DIR, backend);
      await expect(TrainableView.create(model, Uint32Array.of(3, 5, 3))).rejects.toThrow(LmError);
      await expect(TrainableView.create(model, Uint32Array.of(260032))).rejects.toThrow(LmError);
      const view = await TrainableView.create(model, Uint32Array.of(10, 20));
      expect(() => view.write(new Float32Array(3))).toThrow(LmError);
      expect(() => view.write(Float32Array.of(0, Number.NaN))).toThrow(LmError);
      model.dispose();
    });
  },
);
