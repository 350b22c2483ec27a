import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaskCache, type MaskCacheEvent, Meerkat, parseRunConfig } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tinyConfig } from '@meerkat/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentCell } from '../src/experiment/expand-grid.js';
import { parseExperimentConfig } from '../src/experiment/experiment-config.js';
import {
  type CellRunner,
  type ExperimentOutcome,
  runExperiment,
} from '../src/experiment/run-experiment.js';

async function train(config: Readonly<Record<string, unknown>>): Promise<void> {
  for await (const _ of new Meerkat(config).run()) {
    // drive the run to its end
  }
}

/**
 * Two cells with the same mask key (same model, backend, density, calibration, seed; they differ
 * in localSteps) calibrate once through the experiment runner's mask cache; the mask is the one a
 * run calibrating itself writes to RUN_DIR/mask.bin, byte for byte; a second experiment file in
 * the same results root reuses it.
 */
describe.skipIf(!HAVE_STORIES)(`experiment mask cache (stories260K)${STORIES_SKIP_NOTE}`, () => {
  const root = mkdtempSync(join(tmpdir(), 'meerkat-mask-cache-'));
  const results = join(root, 'results');
  const cacheDir = join(results, '.mask-cache');
  const { runDir: _runDir, ...base } = tinyConfig('unused', {
    rounds: 1,
    localSteps: 1,
    mask: {
      density: 1e-3,
      energyExamples: 0,
      calibration: { batches: 2, batchSize: 2, seqLen: 32 },
    },
  });
  const events: MaskCacheEvent[] = [];
  const seen: { cell: string; mask: unknown }[] = [];
  let first: ExperimentOutcome;
  let second: ExperimentOutcome;
  let reference: Uint8Array;

  beforeAll(async () => {
    const runCell: CellRunner = async (config, cell: ExperimentCell) => {
      seen.push({ cell: cell.id, mask: (config.mask as { file?: string }).file });
      await train(config);
    };
    first = await runExperiment(
      parseExperimentConfig({ name: 'one', base, grid: { localSteps: [1, 2] } }),
      {
        outDir: join(results, 'one'),
        baseDir: root,
        runCell,
        command: 'meerkat experiment one.json',
        onMask: (e) => events.push(e),
      },
    );
    // The same mask from a run that calibrates its own (no cache): stop once it is set up.
    const refDir = join(root, 'reference');
    for await (const event of new Meerkat(tinyConfig(refDir, { ...base, runDir: refDir })).run()) {
      if (event.type === 'setup') break;
    }
    reference = new Uint8Array(readFileSync(join(refDir, 'mask.bin')));
    // Another experiment file whose results live beside the first: the mask is reused.
    second = await runExperiment(
      parseExperimentConfig({
        name: 'two',
        base,
        grid: { method: ['meerkat-vp'] },
      }),
      {
        outDir: join(results, 'two'),
        baseDir: root,
        runCell: async (config, cell) => {
          seen.push({ cell: `two/${cell.id}`, mask: (config.mask as { file?: string }).file });
        },
        command: 'meerkat experiment two.json',
        onMask: (e) => events.push(e),
      },
    );
  }, 240_000);

  it('calibrates once for two cells with the same key and passes both the cached file', () => {
    const calibrating = events.filter((e) => e.type === 'calibrating');
    expect(calibrating).toHaveLength(1);
    expect(events.filter((e) => e.type === 'calibrated')).toHaveLength(1);
    expect(first.masks).toHaveLength(1);
    const cached = first.masks[0]!;
    expect(cached.calibratedNow).toBe(true);
    expect(cached.file).toBe(join(cacheDir, `${cached.key}.bin`));
    expect(seen.slice(0, 2)).toEqual([
      { cell: 'localSteps-1', mask: cached.file },
      { cell: 'localSteps-2', mask: cached.file },
    ]);
    expect(readdirSync(cacheDir).sort()).toEqual([`${cached.key}.bin`, `${cached.key}.json`]);
    // Each cell's config.json names the cached mask.
    for (const cell of ['localSteps-1', 'localSteps-2']) {
      const config = JSON.parse(
        readFileSync(join(results, 'one', 'runs', cell, 'config.json'), 'utf8'),
      );
      expect(config.mask.file).toBe(cached.file);
    }
  });

  it('caches the bytes a run calibrating its own mask writes', () => {
    const cached = new Uint8Array(readFileSync(first.masks[0]!.file));
    expect(cached.length).toBeGreaterThan(0);
    expect(Buffer.from(cached).equals(Buffer.from(reference))).toBe(true);
  });

  it('reuses the mask across experiment files (no second calibration)', () => {
    expect(events.map((e) => e.type)).toEqual(['calibrating', 'calibrated', 'reused']);
    expect(second.masks).toHaveLength(1);
    expect(second.masks[0]).toMatchObject({ key: first.masks[0]!.key, calibratedNow: false });
    expect(seen[2]).toEqual({ cell: 'two/method-meerkat-vp', mask: first.masks[0]!.file });
  });

  it('notes the shared masks and the total wall time in results.md', () => {
    const md = readFileSync(join(results, 'one', 'results.md'), 'utf8');
    expect(md).toMatch(/Total wall time: .* for the 2 cells trained in one invocation/);
    expect(md).toContain('### Calibrated masks (mask cache)');
    expect(md).toContain(
      '2 cells trained on 1 calibrated mask from the mask cache (`../.mask-cache/`)',
    );
    expect(md).toContain('This invocation calibrated 1 (');
    const row = md
      .split('\n')
      .find((l) => l.startsWith(`| \`${first.masks[0]!.key.slice(0, 12)}\``));
    expect(row).toMatch(/\| 7 \| 0\.001 \| 2 × 2 × 32 tokens of builtin:moby-dick on tfjs:\w+ \|/);
    expect(row).toMatch(/this invocation \| 2: T=1, T=2 \|$/);
    const json = JSON.parse(readFileSync(join(results, 'one', 'results.json'), 'utf8'));
    expect(json.sessions).toHaveLength(1);
    expect(json.sessions[0]).toMatchObject({ ran: 2, skipped: 0, masksCalibrated: 1 });
  });

  it('gives meerkat and fedavg-sgd the same key (both calibrate on the gradient backend)', async () => {
    const cache = new MaskCache(cacheDir);
    const config = (method: string, localSteps: number) =>
      parseRunConfig({ ...base, method, localSteps, runDir: join(root, 'x') });
    const a = await cache.key(config('meerkat', 1));
    expect((await cache.key(config('fedavg-sgd', 10))).key).toBe(a.key);
    expect(a.key).toBe(first.masks[0]!.key);
    expect(await cache.key(config('meerkat', 1)).then((k) => k.inputs.seed)).toBe(7);
    const otherSeed = parseRunConfig({ ...base, seed: 8, runDir: join(root, 'x') });
    expect((await cache.key(otherSeed)).key).not.toBe(a.key);
  });
});
