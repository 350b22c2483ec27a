import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';
import { calibrateTinyMask, cli, tinyRunConfig } from './tiny-cli-runs.js';

/** `meerkat experiment` on a 2-seed grid of tiny real runs, then again (everything skipped). */
describe.skipIf(!HAVE_STORIES)(`meerkat experiment${STORIES_SKIP_NOTE}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-experiment-'));
  const out = join(dir, 'results');
  let first: { out: string; err: string };
  let second: { out: string; err: string };

  beforeAll(async () => {
    const mask = await calibrateTinyMask(dir);
    const { name: _name, runDir: _runDir, ...base } = tinyRunConfig('x', mask);
    writeFileSync(
      join(dir, 'tiny.json'),
      JSON.stringify({
        name: 'tiny',
        description: 'Two seeds of Meerkat, tiny.',
        base,
        grid: { method: ['meerkat'], seed: [0, 1] },
        overrides: [{ when: { seed: 1 }, set: { rounds: 3 } }],
      }),
    );
    first = await cli(dir, ['experiment', 'tiny.json', '--out', out]);
    second = await cli(dir, ['experiment', 'tiny.json', '--out', out]);
  }, 180_000);

  it('trains every cell into runs/<cell id> with the overrides applied', () => {
    expect(first.err).toContain('[1/2] method-meerkat_seed-0: started');
    expect(first.err).toContain('[2/2] method-meerkat_seed-1: done in');
    const s1 = JSON.parse(
      readFileSync(join(out, 'runs', 'method-meerkat_seed-1', 'summary.json'), 'utf8'),
    ) as RunSummary;
    expect(s1.rounds).toBe(3);
    expect(s1.seed).toBe(1);
    expect(s1.name).toBe('tiny/method-meerkat_seed-1');
  });

  it('writes results.md and results.json with mean ± std over the seeds', () => {
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.finishedCells).toBe(2);
    const summaries = [0, 1].map(
      (seed) =>
        JSON.parse(
          readFileSync(join(out, 'runs', `method-meerkat_seed-${seed}`, 'summary.json'), 'utf8'),
        ) as RunSummary,
    );
    const acc = summaries.map((s) => s.finalAccuracy as number);
    const mean = (acc[0]! + acc[1]!) / 2;
    const std = Math.abs(acc[0]! - acc[1]!) / Math.SQRT2;
    expect(json.series).toHaveLength(1);
    expect(json.series[0].series).toBe('meerkat');
    expect(json.series[0].finalAccuracy.n).toBe(2);
    expect(json.series[0].finalAccuracy.mean).toBeCloseTo(mean, 12);
    expect(json.series[0].finalAccuracy.std).toBeCloseTo(std, 12);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md.trimEnd()).toBe(second.out.split('\n\nran ')[0]?.trimEnd());
    expect(md).toContain('| meerkat | 2 | 2–3 × 1 |');
    const row = md.split('\n').find((l) => l.startsWith('| meerkat |'));
    expect(row).toContain(`${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)}`);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('prints and records the total wall time of the invocation that trained the cells', () => {
    expect(first.out).toMatch(/\ntotal wall time: [^(\n]+ \(model loading, 2 cells trained\)\n$/);
    expect(second.out).toMatch(/total wall time: .* 0 cells trained\)\n$/);
    // The second invocation trained nothing: results.md keeps the first one's time.
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/Total wall time: .* for the 2 cells trained in one invocation/);
  });

  it('skips finished cells when run again', () => {
    expect(second.err).toContain('[1/2] method-meerkat_seed-0: finished before, skipped');
    expect(second.err).toContain('[2/2] method-meerkat_seed-1: finished before, skipped');
    expect(second.out).toContain('ran 0 cell(s), skipped 2');
  });
});

describe('meerkat experiment (comparisons)', () => {
  it('refuses a comparison that selects no series before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-experiment-cmp-'));
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        name: 'bad',
        base: { model: 'no-such-model' },
        grid: { method: ['meerkat', 'full-zo'], seed: [0, 1] },
        comparisons: [{ a: { method: 'meerkat' }, b: { method: 'fullzo' }, metric: 'finalLoss' }],
      }),
    );
    const io = memoryIo(dir);
    const code = await runCli(['experiment', 'bad.json'], io);
    expect(code).not.toBe(0);
    expect(io.err()).toContain(
      'comparisons.0.b.method: selects no series: "fullzo" is not among the grid\'s method values ("meerkat", "full-zo")',
    );
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});
