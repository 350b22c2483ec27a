import { createReferenceBackend } from '@meerkat/tensor';
import { SeededRandom } from '@meerkat/tensor/conformance';
import { describe, expect, it } from 'vitest';
import { createOrtBackend } from './node-engines.js';

// The conformance suite asks for most rows of its logits, so it runs the all-rows lowering
// (log-softmax of every row); a few rows of many take the gather-rows lowering, checked here
// against the reference backend.
describe('crossEntropy lowerings', () => {
  it.each([
    ['few rows of many (gather rows)', 40, 3],
    ['most rows (log-softmax of all)', 40, 37],
  ])('%s agree with reference:cpu', async (_label, rowsTotal, pairs) => {
    const ort = await createOrtBackend({ engine: 'cpu' });
    const ref = createReferenceBackend();
    const random = new SeededRandom(7);
    const V = 53;
    const logits = random.floats(rowsTotal * V, 6);
    const rows = random.distinct(pairs, rowsTotal);
    const targets = Uint32Array.from(rows, (r) => (r * 13) % V);
    const got = await ort.download(
      ort.crossEntropy(ort.upload(logits, [rowsTotal, V]), rows, targets),
    );
    const want = await ref.download(
      ref.crossEntropy(ref.upload(logits, [rowsTotal, V]), rows, targets),
    );
    expect(got.length).toBe(pairs);
    for (let i = 0; i < pairs; i++)
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!)));
  });
});
