import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv, parseCsv } from '../src/data/load-csv.js';
import { loadJsonl } from '../src/data/load-jsonl.js';
import { emailToText, loadSpamAssassin } from '../src/data/spam-assassin.js';
import { splitTaskData } from '../src/data/task-data.js';
import { MeerkatError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'meerkat-data-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function error(fn: () => unknown): MeerkatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MeerkatError);
    return e as MeerkatError;
  }
  throw new Error('expected an error');
}

describe('JSONL loader', () => {
  it('reads text/label/group, skips blank lines, accepts integer labels', () => {
    const path = file(
      'ok.jsonl',
      '{"text":"a b","label":"pos"}\n\n{"text":"c","label":1,"group":"g"}\r\n',
    );
    expect(loadJsonl(path)).toEqual([
      { text: 'a b', label: 'pos', source: `${path}:1` },
      { text: 'c', label: '1', group: 'g', source: `${path}:3` },
    ]);
  });
  it('names the file and line of each defect', () => {
    const bad = file('bad.jsonl', '{"text":"a","label":"x"}\n{"text":"b",\n');
    expect(error(() => loadJsonl(bad))).toMatchObject({
      code: 'MEERKAT_DATA_INVALID',
      message: expect.stringContaining(`${bad}:2: not valid JSON`),
    });
    const noText = file('notext.jsonl', '{"label":"x"}\n');
    expect(error(() => loadJsonl(noText)).message).toContain(
      `${noText}:1: "text" must be a non-empty string`,
    );
    const arr = file('arr.jsonl', '[1,2]\n');
    expect(error(() => loadJsonl(arr)).message).toContain(`${arr}:1: expected a JSON object`);
    expect(error(() => loadJsonl(file('empty.jsonl', '\n'))).message).toContain('no examples');
    expect(error(() => loadJsonl(join(dir, 'missing.jsonl'))).code).toBe('MEERKAT_FILE_NOT_FOUND');
    expect(error(() => loadJsonl(file('latin1.jsonl', '\xff\xfe'))).code).toBe(
      'MEERKAT_DATA_INVALID',
    );
  });
});

describe('CSV loader', () => {
  it('parses RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    expect(parseCsv('a,b\n"x, ""y""","1\n2"\n', ',', 'f').map((r) => [r.fields, r.line])).toEqual([
      [['a', 'b'], 1],
      [['x, "y"', '1\n2'], 2],
    ]);
  });
  it('finds the text and label columns by header name', () => {
    const path = file('ok.csv', 'id;label;text\n1;spam;"Buy; now"\n2;ham;Hello\n');
    expect(loadCsv(path, ';').map((e) => [e.text, e.label])).toEqual([
      ['Buy; now', 'spam'],
      ['Hello', 'ham'],
    ]);
  });
  it('names the file and line of each defect', () => {
    const noLabel = file('nolabel.csv', 'text,category\nhi,x\n');
    expect(error(() => loadCsv(noLabel)).message).toContain(
      `${noLabel}:1: the header has no "label" column (columns: "text", "category")`,
    );
    const ragged = file('ragged.csv', 'text,label\n"multi\nline",a\nx,b,c\n');
    expect(error(() => loadCsv(ragged)).message).toContain(
      `${ragged}:4: 3 fields, the header has 2`,
    );
    const open = file('open.csv', 'text,label\n"never closed,a\n');
    expect(error(() => loadCsv(open)).message).toContain(
      `${open}:2: a quoted field is never closed`,
    );
    const junk = file('junk.csv', 'text,label\n"a"x,b\n');
    expect(error(() => loadCsv(junk)).message).toContain(
      `${junk}:2: unexpected "x" after a closing quote`,
    );
  });
});

describe('task split', () => {
  const examples = Array.from({ length: 50 }, (_, i) => ({
    text: `t${i}`,
    label: i % 3 === 0 ? 'b' : 'a',
    source: `f:${i + 1}`,
  }));
  it('is a seeded permutation: disjoint, complete, reproducible, seed-dependent', () => {
    const s = splitTaskData(examples, ['a', 'b'], { seed: 3n, testExamples: 10 });
    expect(s.test).toHaveLength(10);
    expect(s.train).toHaveLength(40);
    expect(new Set([...s.test, ...s.train].map((e) => e.text)).size).toBe(50);
    expect(Array.from(s.testLabels)).toEqual(s.test.map((e) => (e.label === 'a' ? 0 : 1)));
    expect(splitTaskData(examples, ['a', 'b'], { seed: 3n, testExamples: 10 }).test).toEqual(
      s.test,
    );
    expect(splitTaskData(examples, ['a', 'b'], { seed: 4n, testExamples: 10 }).test).not.toEqual(
      s.test,
    );
    expect(
      splitTaskData(examples, ['a', 'b'], { seed: 3n, testExamples: 10, trainExamples: 5 }).train,
    ).toEqual(s.train.slice(0, 5));
  });
  it('carves a validation set from the training data: the test set unchanged, nothing shared', () => {
    const s = splitTaskData(examples, ['a', 'b'], { seed: 3n, testExamples: 10 });
    const v = splitTaskData(examples, ['a', 'b'], {
      seed: 3n,
      testExamples: 10,
      validationExamples: 8,
    });
    expect(v.test).toEqual(s.test);
    expect(v.validation).toEqual(s.train.slice(0, 8));
    expect(v.train).toEqual(s.train.slice(8));
    expect(Array.from(v.validationLabels)).toEqual(
      v.validation.map((e) => (e.label === 'a' ? 0 : 1)),
    );
    expect(s.validation).toEqual([]);
    expect(() =>
      splitTaskData(examples, ['a', 'b'], { seed: 3n, testExamples: 10, validationExamples: 40 }),
    ).toThrow(/50 examples leave nothing to train on .* task\.validationExamples = 40/);
  });
  it('rejects a label the verbalizer does not know, naming where it came from', () => {
    expect(error(() => splitTaskData(examples, ['a'], { seed: 1n, testExamples: 5 })).message).toBe(
      'f:1: label "b" is not in the verbalizer (allowed: "a")',
    );
  });
});

describe('SpamAssassin', () => {
  it('turns a raw e-mail into "Subject | body" with printable ASCII only', () => {
    const raw =
      'From: x\nSubject:  Cheap <b>meds</b>\nX: y\n\n<html>Hello\u00e9 &nbsp;  world</html>\n';
    expect(emailToText(raw)).toBe('Cheap meds | Hello world');
  });
  it('loads 6,046 e-mails with labels from their groups (DESIGN.md §4 counts)', () => {
    const data = loadSpamAssassin();
    expect(data).toHaveLength(6046);
    const count = (g: string) => data.filter((e) => e.group === g).length;
    expect([
      count('easy-ham-1'),
      count('easy-ham-2'),
      count('hard-ham-1'),
      count('spam-1'),
      count('spam-2'),
    ]).toEqual([2500, 1400, 250, 500, 1396]);
    expect(data.filter((e) => e.label === 'spam')).toHaveLength(1896);
    expect(data.every((e) => e.text.includes(' | ') && /^[\x20-\x7e]*$/.test(e.text))).toBe(true);
  });
});
