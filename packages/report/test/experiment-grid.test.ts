import { describe, expect, it } from 'vitest';
import { expandGrid, seriesLabel, setConfigPath } from '../src/experiment/expand-grid.js';
import { parseExperimentConfig } from '../src/experiment/experiment-config.js';

describe('parseExperimentConfig', () => {
  it('lists every problem with its path', () => {
    let caught: unknown;
    try {
      parseExperimentConfig({ name: 'Bad Name', base: {}, grid: { seed: [] }, parallel: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'MEERKAT_CONFIG_INVALID' });
    const paths = (caught as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['grid.seed', 'name', 'parallel']);
  });

  it('refuses a base runDir (the runner owns it) and an empty grid', () => {
    expect(() =>
      parseExperimentConfig({ name: 'x', base: { runDir: 'r' }, grid: { seed: [0] } }),
    ).toThrowError(/base\.runDir/);
    expect(() => parseExperimentConfig({ name: 'x', base: {}, grid: {} })).toThrowError(
      /needs at least one axis/,
    );
  });
});

describe('expandGrid', () => {
  const experiment = parseExperimentConfig({
    name: 'demo',
    base: { model: 'm', rounds: 10, vp: { detector: { tauLater: 8 } } },
    grid: { method: ['meerkat', 'full-zo'], localSteps: [1, 10], seed: [0, 1, 2] },
    overrides: [
      { when: { localSteps: 1 }, set: { rounds: 100 } },
      { when: { method: 'full-zo' }, set: { lr: 1e-4, 'vp.detector.tauQuiet': 0.5 } },
      { when: { rounds: 100 }, set: { name: 'never: overrides do not trigger each other' } },
    ],
  });
  const cells = expandGrid(experiment);

  it('makes every combination, first axis slowest', () => {
    expect(cells).toHaveLength(12);
    expect(cells.map((c) => c.id).slice(0, 4)).toEqual([
      'method-meerkat_localSteps-1_seed-0',
      'method-meerkat_localSteps-1_seed-1',
      'method-meerkat_localSteps-1_seed-2',
      'method-meerkat_localSteps-10_seed-0',
    ]);
    expect(new Set(cells.map((c) => c.id)).size).toBe(12);
    expect([...new Set(cells.map((c) => c.series))]).toEqual([
      'meerkat T=1',
      'meerkat T=10',
      'full-zo T=1',
      'full-zo T=10',
    ]);
  });

  it('applies matching overrides in order and leaves the base untouched', () => {
    const t1 = cells.find((c) => c.id === 'method-full-zo_localSteps-1_seed-2');
    expect(t1?.config).toEqual({
      model: 'm',
      method: 'full-zo',
      localSteps: 1,
      seed: 2,
      rounds: 100,
      lr: 1e-4,
      vp: { detector: { tauLater: 8, tauQuiet: 0.5 } },
    });
    const t10 = cells.find((c) => c.id === 'method-meerkat_localSteps-10_seed-0');
    expect(t10?.config).toEqual({
      model: 'm',
      method: 'meerkat',
      localSteps: 10,
      seed: 0,
      rounds: 10,
      vp: { detector: { tauLater: 8 } },
    });
    expect(experiment.base).toEqual({ model: 'm', rounds: 10, vp: { detector: { tauLater: 8 } } });
  });
});

describe('seriesLabel / setConfigPath', () => {
  it('puts the method first and abbreviates localSteps', () => {
    expect(seriesLabel({ seed: 1, localSteps: 10, method: 'meerkat-vp', lr: 0.01 })).toBe(
      'meerkat-vp T=10 lr=0.01',
    );
    expect(seriesLabel({ seed: 1 })).toBe('all');
  });

  it('creates intermediate objects', () => {
    const o: Record<string, unknown> = { a: 1 };
    setConfigPath(o, 'b.c.d', [1]);
    expect(o).toEqual({ a: 1, b: { c: { d: [1] } } });
  });
});
