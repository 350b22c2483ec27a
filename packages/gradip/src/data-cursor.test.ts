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
});

describe('ClientDataCursor', () => {
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
