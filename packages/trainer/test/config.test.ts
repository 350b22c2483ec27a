import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { defaultLearningRate } from '../src/methods.js';
import { issuesOf } from './config-issues.js';

describe('parseRunConfig', () => {
  it('fills defaults, the SpamAssassin verbalizer and partition; paths become absolute', () => {
    const c = parseRunConfig({ model: 'models/m', runDir: 'runs/a' }, { baseDir: '/base' });
    expect(c.model).toBe('/base/models/m');
    expect(c.runDir).toBe('/base/runs/a');
    expect(c.method).toBe('meerkat-vp');
    expect(c.lr).toBeNull(); // the method's default for the run's k, resolved at setup
    expect(c.task).toMatchObject({
      kind: 'classification',
      verbalizer: { ham: ' Lily', spam: ' Tim' },
    });
    expect(c.partition.kind).toBe('extreme');
    expect(c.mask.calibration.corpus).toBe('builtin:moby-dick');
    expect(parseRunConfig({ model: 'm', runDir: 'r', method: 'full-zo', lr: 0.5 }).lr).toBe(0.5);
  });

  it('defaults the learning rate by method and by the number of trainable values', () => {
    // Masked ZO: 1e-2 up to k = 15,000, then 150/k; full ZO: 45/d capped at 1e-4 (DESIGN.md §6, §7).
    expect(defaultLearningRate('meerkat', 260)).toBe(1e-2);
    expect(defaultLearningRate('meerkat-vp', 15_000)).toBe(1e-2);
    expect(defaultLearningRate('random-mask', 151_917)).toBeCloseTo(150 / 151_917, 12);
    expect(defaultLearningRate('full-zo', 260_000)).toBe(1e-4);
    expect(defaultLearningRate('full-zo', 15_191_712)).toBeCloseTo(2.96e-6, 8);
    expect(defaultLearningRate('fedavg-sgd', 15_191_712)).toBe(1e-1);
  });

  it('reports every problem at once with its path and the allowed values', () => {
    const issues = issuesOf({
      runDir: 'r',
      method: 'mezo',
      clients: 0,
      rounds: 2.5,
      participation: 1.5,
      partition: { kind: 'pathological' },
      evaluation: { every: 1, bogus: true },
      task: { template: 'no placeholder', data: { source: 'jsonl' } },
    });
    const byPath = new Map(issues.map((i) => [i.path, i]));
    expect(byPath.get('model')).toMatchObject({ message: 'required' });
    expect(byPath.get('method')?.allowed).toBe(
      '"meerkat" | "meerkat-vp" | "full-zo" | "random-mask" | "magnitude-mask" | "fedavg-sgd"',
    );
    expect(byPath.get('method')?.message).toContain('"mezo"');
    expect(byPath.get('clients')?.allowed).toBe('> 0');
    expect(byPath.get('rounds')?.allowed).toBe('an integer');
    expect(byPath.get('participation')?.allowed).toBe('≤ 1');
    expect(byPath.get('partition.kind')?.allowed).toBe(
      '"iid" | "dirichlet" | "extreme" | "groups"',
    );
    expect(byPath.get('evaluation.bogus')?.allowed).toBe(
      'every, testSize, split, batchSize, initial',
    );
    expect(byPath.get('task.template')?.message).toContain('{text}');
    expect(byPath.get('task.data.path')?.message).toBe('required');
  });

  it('the error message lists each issue as path: message (allowed: …)', () => {
    try {
      parseRunConfig({ model: 'm', runDir: 'r', method: 'nope' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain(
        'method: unknown value "nope" (allowed: "meerkat" | "meerkat-vp" | "full-zo" | "random-mask" | "magnitude-mask" | "fedavg-sgd")',
      );
    }
  });

  it('checks fields against each other', () => {
    const issues = issuesOf({
      model: 'm',
      runDir: 'r',
      clients: 1,
      task: { data: { source: 'csv', path: 'x.csv' }, testExamples: 10 },
      partition: { kind: 'extreme', extreme: [{ label: 'spam' }, { label: 'ham' }] },
      evaluation: { testSize: 50 },
      vp: { calibrationSteps: 5, detector: { laterSteps: 20 } },
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('task.verbalizer');
    expect(paths).toContain('partition.extreme');
    expect(paths).toContain('evaluation.testSize');
    expect(paths).toContain('vp.detector.initialSteps');
    expect(paths).toContain('vp.detector.laterSteps');
    const unknownLabel = issuesOf({
      model: 'm',
      runDir: 'r',
      partition: { kind: 'extreme', extreme: [{ label: 'eggs' }] },
    });
    expect(unknownLabel).toEqual([
      {
        path: 'partition.extreme.0.label',
        message: 'unknown label "eggs"',
        allowed: '"ham" | "spam"',
      },
    ]);
  });

  it('rejects what is not an object', () => {
    expect(issuesOf(42)[0]).toMatchObject({ path: '', allowed: 'an object' });
  });
});

describe('the validation split (choosing hyperparameters without the test split)', () => {
  it('evaluates on task.validationExamples only when asked, and refuses a testSize it cannot fill', () => {
    const c = parseRunConfig({
      model: 'm',
      runDir: 'r',
      task: { validationExamples: 300 },
      evaluation: { split: 'validation', testSize: 300 },
    });
    expect(c.evaluation.split).toBe('validation');
    expect(c.task.validationExamples).toBe(300);
    expect(parseRunConfig({ model: 'm', runDir: 'r' }).evaluation.split).toBe('test');
    const issues = issuesOf({
      model: 'm',
      runDir: 'r',
      evaluation: { split: 'validation', testSize: 10 },
    });
    expect(issues.map((i) => i.path)).toEqual(['evaluation.testSize']);
    expect(issues[0]!.allowed).toBe('1 … task.validationExamples (0)');
  });
});
