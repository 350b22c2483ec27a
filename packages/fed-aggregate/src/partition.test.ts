import { describe, expect, it } from 'vitest';
import type { Partition } from './partition.js';
import { partitionDirichlet } from './partition-dirichlet.js';
import { partitionWithExtremeClients } from './partition-extreme.js';
import { partitionByGroup } from './partition-groups.js';
import { partitionIid } from './partition-iid.js';
import { formatPartitionStats } from './partition-stats.js';

// 3000 examples, 5 labels with unequal frequencies.
const labels = Int32Array.from({ length: 3000 }, (_, i) =>
  (i * 7919) % 11 < 5 ? (i * 7919) % 5 : (i % 2) * 4,
);

function expectExactCover(partition: Partition, n: number) {
  const seen = new Uint8Array(n);
  for (const client of partition.clients) {
    for (let j = 1; j < client.indices.length; j++) {
      expect(client.indices[j]!).toBeGreaterThan(client.indices[j - 1]!);
    }
    for (const i of client.indices) seen[i]! += 1;
  }
  expect(seen.every((x) => x === 1)).toBe(true);
  expect(partition.stats.sizes.reduce((a, b) => a + b, 0)).toBe(n);
}

describe('partitioners', () => {
  it('IID: exact cover, sizes within 1, low skew, reproducible', () => {
    const p = partitionIid(labels, { numClients: 7, seed: 1n });
    expectExactCover(p, labels.length);
    expect(p.stats.maxSize - p.stats.minSize).toBeLessThanOrEqual(1);
    expect(p.stats.meanTvDistance).toBeLessThan(0.1);
    expect(partitionIid(labels, { numClients: 7, seed: 1n })).toEqual(p);
    expect(partitionIid(labels, { numClients: 7, seed: 2n }).clients[0]!.indices).not.toEqual(
      p.clients[0]!.indices,
    );
  });

  it('Dirichlet: exact cover, minimum size respected, smaller α gives larger skew', () => {
    const skew = (alpha: number) => {
      const p = partitionDirichlet(labels, {
        numClients: 10,
        alpha,
        seed: 5n,
        minSize: 20,
        maxAttempts: 500,
      });
      expectExactCover(p, labels.length);
      expect(p.stats.minSize).toBeGreaterThanOrEqual(20);
      expect(p.clients.every((c) => c.kind === 'dirichlet')).toBe(true);
      return p.stats.meanTvDistance;
    };
    const [a01, a1, a100] = [skew(0.1), skew(1), skew(100)];
    expect(a01).toBeGreaterThan(a1);
    expect(a1).toBeGreaterThan(a100);
    expect(a100).toBeLessThan(0.1);
  });

  it('Dirichlet: impossible minimum sizes fail with FED_PARTITION_INFEASIBLE', () => {
    expect(() =>
      partitionDirichlet(labels, { numClients: 10, alpha: 1, seed: 1n, minSize: 301 }),
    ).toThrow(expect.objectContaining({ code: 'FED_PARTITION_INFEASIBLE' }));
    expect(() =>
      partitionDirichlet(labels, {
        numClients: 10,
        alpha: 0.01,
        seed: 1n,
        minSize: 290,
        maxAttempts: 3,
      }),
    ).toThrow(expect.objectContaining({ code: 'FED_PARTITION_INFEASIBLE' }));
  });

  it('extreme clients hold one label each and are reported; the rest is covered', () => {
    const p = partitionWithExtremeClients(labels, {
      seed: 9n,
      extremeClients: [{ label: 0 }, { label: 4, size: 100 }],
      normalClients: 6,
      normal: { dirichlet: 1, minSize: 10 },
    });
    expectExactCover(p, labels.length);
    expect(p.extremeClientIds).toHaveLength(2);
    for (const client of p.clients) {
      if (p.extremeClientIds.includes(client.clientId)) {
        expect(client.kind).toBe('extreme');
        const own = new Set(Array.from(client.indices, (i) => labels[i]));
        expect([...own]).toEqual([client.label]);
      } else {
        expect(client.kind).toBe('dirichlet');
      }
    }
    expect(p.clients.find((c) => c.label === 4)!.indices.length).toBe(100);
    expect(p.clients.find((c) => c.label === 0)!.indices.length).toBe(Math.floor(3000 / 8));
    expect(() =>
      partitionWithExtremeClients(labels, {
        seed: 1n,
        extremeClients: [{ label: 1, size: 5000 }],
        normalClients: 1,
      }),
    ).toThrow(expect.objectContaining({ code: 'FED_PARTITION_INFEASIBLE' }));
    expect(formatPartitionStats(p.clients, p.stats)).toContain('extreme');
  });

  it('by group: one client per group or groups mapped to clients; exact cover', () => {
    const groups = Array.from(labels, (_, i) => ['easy', 'hard', 'spam'][i % 3]!);
    const p = partitionByGroup(labels, groups);
    expectExactCover(p, labels.length);
    expect(p.clients.map((c) => c.clientId)).toEqual(['easy', 'hard', 'spam']);
    expect(p.clients[1]!.indices[0]).toBe(1);
    const merged = partitionByGroup(labels, groups, {
      groupToClient: { easy: 'ham', hard: 'ham', spam: 'spam' },
    });
    expectExactCover(merged, labels.length);
    expect(merged.stats.sizes).toEqual([2000, 1000]);
    expect(() => partitionByGroup(labels, groups, { groupToClient: { easy: 'ham' } })).toThrow(
      /no client/,
    );
  });

  it('rejects bad labels', () => {
    expect(() => partitionIid([0, -1], { numClients: 1, seed: 1n })).toThrow(
      /labels must be integers/,
    );
    expect(() => partitionIid([], { numClients: 1, seed: 1n })).toThrow(/empty/);
  });
});
