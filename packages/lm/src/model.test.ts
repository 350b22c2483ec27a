import { type Backend, createBackend } from '@meerkat/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { LmError } from './errors.js';
import { LlamaModel, positionsFromMask } from './model.js';
import { GOLDEN, goldenForward } from './testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';

const V = 512;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('positionsFromMask', () => {
  it('is cumsum(mask) − 1 per row, padded slots 1 (HF convention)', () => {
    const mask = Uint32Array.of(0, 0, 1, 1, 1, /* row 2 */ 1, 1, 1, 0, 0);
    expect([...positionsFromMask(mask, 2, 5)]).toEqual([1, 1, 0, 1, 2, 0, 1, 2, 1, 1]);
  });
});

describe.skipIf(!HAVE_STORIES)(
  `LlamaModel on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    let backend: Backend;
    let model: LlamaModel;
    beforeAll(async () => {
      backend = await createBackend('reference:cpu');
      model = LlamaModel.load(STORIES_DIR, backend);
    });

    async function logitsOf(
      ids: number[] | Uint32Array,
      mode: 'all' | 'last' = 'all',
    ): Promise<Float32Array> {
      const x = Uint32Array.from(ids);
      const t = model.forward(x, [1, x.length], { logits: mode });
      const out = await backend.download(t);
      t.dispose();
      return out;
    }

    it('all 5 golden cases: last-position logits within 1e-4, argmax per position and checksum equal', async () => {
      let worst = 0;
      for (const c of GOLDEN!.cases) {
        const { all, lastLogitError, argmax } = await goldenForward(model, c);
        expect(all.length).toBe(c.ids.length * V);
        worst = Math.max(worst, lastLogitError);
        let sum = 0;
        let absSum = 0;
        for (const v of all) {
          sum += v;
          absSum += Math.abs(v);
        }
        expect(argmax).toEqual(c.argmax_per_position);
        // The checksums add n·512 logits; 1e-4 per logit bounds the sum's drift.
        expect(Math.abs(sum - c.logit_checksum.sum)).toBeLessThan(1e-4 * all.length);
        expect(Math.abs(absSum - c.logit_checksum.abs_sum)).toBeLessThan(1e-4 * all.length);
      }
      console.log(
        `stories260K golden: max |logit − reference| at the last position = ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(1e-4);
    });

    it("logits: 'last' equals the last row of 'all'", async () => {
      const ids = GOLDEN!.cases[1]!.ids;
      const all = await logitsOf(ids);
      const last = await logitsOf(ids, 'last');
      expect(maxAbsDiff(last, all.subarray((ids.length - 1) * V))).toBe(0);
    });

    it('vocabIds: the head only for chosen token ids equals those columns of the full logits', async () => {
      const ids = Uint32Array.from(GOLDEN!.cases[2]!.ids);
      const vocabIds = Uint32Array.of(7, 300, 2, 511);
      const full = await logitsOf([...ids], 'last');
      const t = model.forward(ids, [1, ids.length], { logits: 'last', vocabIds });
      const picked = await backend.download(t);
      t.dispose();
      expect(picked.length).toBe(vocabIds.length);
      for (const [j, id] of vocabIds.entries()) expect(picked[j]).toBeCloseTo(full[id]!, 5);
      const bad = () =>
        model.forward(ids, [1, ids.length], { logits: 'last', vocabIds: Uint32Array.of(512) });
      expect(bad).toThrow(LmError);
    });

    it('left- and right-padded batches give the logits of the unpadded sequences (within 1e-5)', async () => {
      const seqs = GOLDEN!.cases.slice(0, 4).map((c) => c.ids);
      const s = Math.max(...seqs.map((q) => q.length));
      const singles = await Promise.all(seqs.map((q) => logitsOf(q)));
      for (const side of ['left', 'right'] as const) {
        const ids = new Uint32Array(seqs.length * s);
        const mask = new Uint32Array(seqs.length * s);
        seqs.forEach((q, r) => {
          const off = r * s + (side === 'left' ? s - q.length : 0);
          ids.set(q, off);
          mask.fill(1, off, off + q.length);
        });
        const allT = model.forward(ids, [seqs.length, s], { logits: 'all', attentionMask: mask });
        const lastT = model.forward(ids, [seqs.length, s], { logits: 'last', attentionMask: mask });
        const all = await backend.download(allT);
        const last = await backend.download(lastT);
        backend.dispose([allT, lastT]);
        seqs.forEach((q, r) => {
          const off = r * s + (side === 'left' ? s - q.length : 0);
          const got = all.subarray(off * V, (off + q.length) * V);
          expect(maxAbsDiff(got, singles[r]!)).toBeLessThan(1e-5);
          const single = singles[r]!;
          expect(
            maxAbsDiff(last.subarray(r * V, (r + 1) * V), single.subarray(single.length - V)),
          ).toBeLessThan(1e-5);
        });
      }
    });

    it('repeated forwards leave backend memory flat (no leaked temporaries)', async () => {
      const ids = Uint32Array.from(GOLDEN!.cases[0]!.ids);
      const mask = new Uint32Array(ids.length).fill(1);
      mask[0] = 0;
      const warm = model.forward(ids, [1, ids.length], { logits: 'all' });
      warm.dispose();
      const before = backend.memory();
      for (let i = 0; i < 5; i++) {
        const a = model.forward(ids, [1, ids.length], { logits: 'all' });
        const b = model.forward(ids, [1, ids.length], { logits: 'last', attentionMask: mask });
        expect(backend.memory().tensors).toBe(before.tensors + 2);
        backend.dispose([a, b]);
      }
      expect(backend.memory()).toEqual(before);
    });

    it('rejects bad input with LmError codes', () => {
      const bad = (f: () => unknown) => {
        expect(f).toThrow(LmError);
        try {
          f();
        } catch (e) {
          expect((e as LmError).code).toBe('LM_INVALID_ARGUMENT');
        }
      };
      bad(() => model.forward(Uint32Array.of(1, 2, 3), [1, 2], { logits: 'all' }));
      bad(() => model.forward(Uint32Array.of(1, 512), [1, 2], { logits: 'all' }));
      bad(() =>
        model.forward(Uint32Array.of(1, 2), [1, 2], {
          logits: 'all',
          attentionMask: Uint32Array.of(1),
        }),
      );
      bad(() =>
        model.forward(Uint32Array.of(1, 2), [1, 2], {
          logits: 'all',
          positions: Uint32Array.of(0, 1, 2),
        }),
      );
    });
  },
);
