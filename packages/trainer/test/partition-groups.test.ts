import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { partitionClients } from '../src/data/partition-clients.js';
import { loadExamples, splitTaskData } from '../src/data/task-data.js';
import { MeerkatError } from '../src/errors.js';

// A user's own data with a natural key per row (author, user, site): `partition: { kind:
// 'groups' }` makes one client per group, holding exactly that group's training examples.
const dir = mkdtempSync(join(tmpdir(), 'meerkat-groups-'));
function jsonl(name: string, rows: object[]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
  return path;
}
const rows = Array.from({ length: 60 }, (_, i) => ({
  text: `message ${i} from ${['alice', 'bob', 'carol'][i % 3]}`,
  label: i % 4 === 0 ? 'spam' : 'ham',
  group: ['alice', 'bob', 'carol'][i % 3],
}));

function setup(path: string) {
  const config = parseRunConfig({
    model: 'unused-here',
    runDir: join(dir, 'run'),
    clients: 3,
    partition: { kind: 'groups' },
    task: {
      data: { source: 'jsonl', path },
      verbalizer: { ham: ' good', spam: ' bad' },
      testExamples: 12,
    },
    evaluation: { testSize: 12 },
  });
  const task = config.task;
  if (task.kind !== 'classification') throw new Error('expected a classification task');
  const split = splitTaskData(loadExamples(task.data), Object.keys(task.verbalizer ?? {}), {
    seed: 1n,
    testExamples: task.testExamples,
  });
  return { config, split };
}

describe("partition kind 'groups' on JSONL data", () => {
  it('makes one client per group, each holding exactly its group’s training examples', () => {
    const { config, split } = setup(jsonl('grouped.jsonl', rows));
    const partition = partitionClients(config, split, 1n);
    expect(partition.clients).toHaveLength(3);
    const seen = new Set<string>();
    let total = 0;
    for (const client of partition.clients) {
      const groups = new Set(Array.from(client.indices, (i) => split.train[i]!.group));
      expect(groups.size).toBe(1);
      const [group] = groups;
      expect(seen.has(group!)).toBe(false);
      seen.add(group!);
      total += client.indices.length;
    }
    expect([...seen].sort()).toEqual(['alice', 'bob', 'carol']);
    expect(total).toBe(split.train.length);
  });

  it('rejects data where a row has no group, naming the first one, with a typed error', () => {
    const path = jsonl('partly.jsonl', [...rows, { text: 'no group here', label: 'ham' }]);
    const { config, split } = setup(path);
    let error: unknown;
    try {
      partitionClients(config, split, 1n);
    } catch (e) {
      error = e;
    }
    // With this seed the ungrouped row (line 61) lands in the training split.
    expect(split.train.some((e) => e.group === undefined)).toBe(true);
    expect(error).toBeInstanceOf(MeerkatError);
    expect((error as MeerkatError).code).toBe('MEERKAT_CONFIG_INVALID');
    expect((error as MeerkatError).message).toContain(`${path}:61`);
    expect((error as MeerkatError).message).toContain('1 of');
  });
});
