import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { issuesOf } from './config-issues.js';

const base = { model: 'models/m', runDir: 'runs/a' };

describe("task kind 'causal-lm' in the run config", () => {
  it('fills the defaults from the schema, partitions iid and makes the data path absolute', () => {
    const c = parseRunConfig(
      { ...base, task: { kind: 'causal-lm', data: { source: 'jsonl', path: 'data/t.jsonl' } } },
      { baseDir: '/base' },
    );
    expect(c.task).toEqual({
      kind: 'causal-lm',
      data: { source: 'jsonl', path: '/base/data/t.jsonl' },
      seqLen: 64,
      chunkChars: 256,
      testExamples: 200,
      validationExamples: 0,
    });
    expect(c.partition).toEqual({ kind: 'iid' });
    const text = parseRunConfig(
      { ...base, task: { kind: 'causal-lm', data: { source: 'text', path: 'book.txt' } } },
      { baseDir: '/base' },
    );
    expect(text.task.data).toEqual({ source: 'text', path: '/base/book.txt' });
  });

  it('takes the SOTU corpus with president and year filters and the groups partition', () => {
    const c = parseRunConfig({
      ...base,
      clients: 2,
      partition: { kind: 'groups' },
      task: {
        kind: 'causal-lm',
        data: { source: 'sotu', presidents: ['Barack Obama', 'Donald J Trump'], fromYear: 2009 },
        seqLen: 32,
        chunkChars: 100,
        testExamples: 40,
        trainExamples: 400,
      },
      evaluation: { testSize: 40 },
    });
    expect(c.task).toMatchObject({
      kind: 'causal-lm',
      data: { source: 'sotu', presidents: ['Barack Obama', 'Donald J Trump'], fromYear: 2009 },
      seqLen: 32,
      chunkChars: 100,
      trainExamples: 400,
    });
    expect(c.partition).toEqual({ kind: 'groups' });
  });

  it('leaves configs without a task kind as classification, exactly as before', () => {
    const c = parseRunConfig(base);
    expect(c.task.kind).toBe('classification');
    expect(c.partition.kind).toBe('extreme');
    const explicit = parseRunConfig({ ...base, task: { kind: 'classification' } });
    expect(explicit).toEqual(c);
    // The resolved task (as config.json holds it) parses again to itself: resume and eval read it.
    const again = (task: unknown) =>
      parseRunConfig({ ...base, task: JSON.parse(JSON.stringify(task)) }).task;
    expect(again(c.task)).toEqual(c.task);
    const lm = parseRunConfig({ ...base, task: { kind: 'causal-lm', data: { source: 'sotu' } } });
    expect(again(lm.task)).toEqual(lm.task);
  });

  it("refuses the label-based partitions 'dirichlet' and 'extreme' for text", () => {
    const task = { kind: 'causal-lm', data: { source: 'sotu' } };
    for (const partition of [
      { kind: 'dirichlet', alpha: 0.5 },
      { kind: 'extreme', extreme: [{ label: 'x' }] },
    ]) {
      const issues = issuesOf({ ...base, task, partition });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: 'partition.kind', allowed: "'iid' | 'groups'" });
      expect(issues[0]!.message).toContain(`'${partition.kind}' partition deals examples by label`);
    }
  });

  it("refuses the 'groups' partition for a plain text file, which has no groups", () => {
    const issues = issuesOf({
      ...base,
      partition: { kind: 'groups' },
      task: { kind: 'causal-lm', data: { source: 'text', path: 'book.txt' } },
    });
    expect(issues).toEqual([expect.objectContaining({ path: 'partition.kind', allowed: "'iid'" })]);
  });

  it('names an unknown task kind, classification-only keys and a missing data source', () => {
    expect(issuesOf({ ...base, task: { kind: 'summarisation' } })).toEqual([
      {
        path: 'task.kind',
        message: 'unknown value "summarisation"',
        allowed: '"classification" | "causal-lm"',
      },
    ]);
    const verbalizer = issuesOf({
      ...base,
      task: { kind: 'causal-lm', data: { source: 'sotu' }, verbalizer: { a: ' a', b: ' b' } },
    });
    expect(verbalizer).toHaveLength(1);
    expect(verbalizer[0]).toMatchObject({
      path: 'task.verbalizer',
      message: 'unknown key "verbalizer"',
    });
    expect(verbalizer[0]!.allowed).toContain('seqLen');
    // And a causal-lm key on a classification task lists the classification keys.
    const seqLen = issuesOf({ ...base, task: { seqLen: 32 } });
    expect(seqLen[0]).toMatchObject({ path: 'task.seqLen', message: 'unknown key "seqLen"' });
    expect(seqLen[0]!.allowed).toContain('verbalizer');
    const missing = issuesOf({ ...base, task: { kind: 'causal-lm' } });
    expect(missing[0]).toMatchObject({ path: 'task.data', message: 'required' });
    const source = issuesOf({ ...base, task: { kind: 'causal-lm', data: { source: 'csv' } } });
    expect(source[0]).toMatchObject({
      path: 'task.data.source',
      allowed: '"jsonl" | "text" | "sotu"',
    });
  });

  it('checks the window and chunk sizes and the evaluated examples', () => {
    const paths = issuesOf({
      ...base,
      task: { kind: 'causal-lm', data: { source: 'sotu' }, seqLen: 1, chunkChars: 8 },
    }).map((i) => i.path);
    expect(paths).toEqual(['task.seqLen', 'task.chunkChars']);
    expect(
      issuesOf({
        ...base,
        task: { kind: 'causal-lm', data: { source: 'sotu' }, testExamples: 100 },
        evaluation: { testSize: 500 },
      })[0],
    ).toMatchObject({ path: 'evaluation.testSize' });
  });
});
