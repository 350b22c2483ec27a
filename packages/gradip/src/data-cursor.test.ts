import { seededPermutation } from '@meerkat/seeded';
import { deriveSeed } from '@meerkat/zo-estimator';
import { describe, expect, it } from 'vitest';
import { ClientDataCursor, epochPermutation } from './data-cursor.js';

describe('epochPermutation', () => {
  it('is a permutation, reproducible, and differs across epochs and clients', () => {
    const p = epochPermutation(5n, 'c', 0, 97);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 97 }, (_, i) => i));
    expect(epochPermutation(5n, 'c', 0, 97)).toEqual(p);
    expect(epochPermutation(5n, 'c', 1, 97)).not.toEqual(p);
    expect(epochPermutation(5n, 'd', 0, 97)).not.toEqual(p);
  });

  it("is @meerkat/seeded's permutation keyed by deriveSeed(dataSeed, epoch, clientId, 0)", () => {
    expect(epochPermutation(5n, 'client-x', 3, 61)).toEqual(
      seededPermutation(deriveSeed(5n, 3, 'client-x', 0), 61),
    );
    expect(deriveSeed(5n, 3, 'client-x', 0)).toBe(4715596062291438206n);
  });
});

describe('ClientDataCursor', () => {
  it('hands out its known-answer batches (pinned before the permutation moved to @meerkat/seeded)', () => {
    const cursor = new ClientDataCursor('c', 23, 1n);
    expect(Array.from(cursor.next(17))).toEqual([
      21, 18, 12, 15, 5, 4, 22, 11, 10, 19, 20, 6, 0, 17, 7, 9, 2,
    ]);
    expect(Array.from(cursor.next(40))).toEqual([
      14, 8, 1, 16, 3, 13, 14, 7, 2, 4, 18, 9, 16, 10, 6, 13, 19, 20, 3, 11, 22, 5, 12, 21, 17, 15,
      1, 0, 8, 22, 10, 3, 17, 21, 19, 11, 2, 7, 20, 8,
    ]);
    expect(cursor.state()).toEqual({ epoch: 2, position: 11 });
  });

  for (const { size, batch, stepsPerRound } of [
    { size: 37, batch: 8, stepsPerRound: [1, 1, 1, 10, 1] },
    { size: 30, batch: 7, stepsPerRound: [3, 1, 1, 2] },
    { size: 5, batch: 12, stepsPerRound: [1, 1, 1] },
  ]) {
    it(`visits every example exactly once per epoch (size ${size}, batch ${batch})`, () => {
      const cursor = new ClientDataCursor('c', size, 99n);
      const seen: number[] = [];
      for (let rep = 0; rep < 6; rep++) {
        for (const steps of stepsPerRound) {
          for (let s = 0; s < steps; s++) seen.push(...cursor.next(batch));
        }
      }
      const fullEpochs = Math.floor(seen.length / size);
      expect(fullEpochs).toBeGreaterThanOrEqual(2);
      for (let e = 0; e < fullEpochs; e++) {
        const epoch = seen.slice(e * size, (e + 1) * size).sort((x, y) => x - y);
        expect(epoch).toEqual(Array.from({ length: size }, (_, i) => i));
      }
      expect(cursor.epoch).toBe(fullEpochs);
      expect(cursor.position).toBe(seen.length % size);
    });
  }

  it('resumes from a saved state with the same stream', () => {
    const a = new ClientDataCursor('c', 23, 1n);
    a.next(17);
    const b = new ClientDataCursor('c', 23, 1n, a.state());
    expect(b.next(40)).toEqual(a.next(40));
  });

  it('rejects bad arguments', () => {
    expect(() => new ClientDataCursor('c', 0, 1n)).toThrow(/examples/);
    expect(() => new ClientDataCursor('c', 3, 1n, { epoch: 0, position: 3 })).toThrow(/position/);
    expect(() => new ClientDataCursor('c', 3, 1n).next(0)).toThrow(/batchSize/);
  });
});
