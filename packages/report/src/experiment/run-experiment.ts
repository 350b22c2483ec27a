import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import {
  type CachedMask,
  MASK_CACHE_DIR_NAME,
  MaskCache,
  type MaskCacheEvent,
  MeerkatError,
  needsCalibratedMask,
  parseRunConfig,
  RUN_FILES,
  type RunConfig,
  readMaskCacheMeta,
} from '@meerkat/trainer';
import { buildReport } from '../build-report.js';
import { readRunDir } from '../read-run-dir.js';
import { type ComparisonResult, compareSeries } from './comparisons.js';
import { type ExperimentCell, expandGrid } from './expand-grid.js';
import type { ExperimentConfig } from './experiment-config.js';
import { type CellResult, type SeriesResult, summariseSeries } from './experiment-results.js';
import { type ExperimentSession, type MaskUse, resultsMarkdown } from './results-markdown.js';

/** Trains one cell: `config` is a resolved run config (defaults applied, runDir set, paths absolute). */
export type CellRunner = (
  config: Readonly<Record<string, unknown>>,
  cell: ExperimentCell,
) => Promise<void>;

export interface RunExperimentOptions {
  /** Where results.md, results.json, report.html and runs/<cell>/ go. */
  readonly outDir: string;
  /** Relative paths in `base` resolve against this (the experiment file's directory). */
  readonly baseDir: string;
  /** How to train one cell (in-process trainer or a child process). */
  readonly runCell: CellRunner;
  /** Cells trained at once (default: the experiment's `parallel`). */
  readonly parallel?: number;
  /** The command line shown in results.md. */
  readonly command: string;
  /** Run-config changes applied to every cell after the grid (e.g. `--model`). */
  readonly patch?: Readonly<Record<string, unknown>>;
  /** Only list what would run. */
  readonly dryRun?: boolean;
  /** Train only the cells this accepts (the others are still tabulated when finished). */
  readonly only?: (cell: ExperimentCell) => boolean;
  /** Called as cells start and finish (progress lines). */
  readonly onCell?: (event: CellEvent) => void;
  /**
   * Where calibrated masks are cached and shared (`<key>.bin`); default
   * `<outDir>/../.mask-cache` (e.g. `experiments/results/.mask-cache`). null: every cell
   * calibrates its own mask.
   */
  readonly maskCacheDir?: string | null;
  /** Called as the mask cache calibrates or reuses a mask (progress lines). */
  readonly onMask?: (event: MaskCacheEvent) => void;
  /**
   * `performance.now()` when the invocation started (default: when `runExperiment` was called),
   * so the wall time in results.md includes what the caller did before (resolving the model).
   */
  readonly startedAt?: number;
}

export type CellEvent =
  | {
      readonly type: 'skip';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'start';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'done';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
      readonly seconds: number;
    };

export interface ExperimentOutcome {
  readonly outDir: string;
  readonly cells: readonly ExperimentCell[];
  readonly ran: number;
  readonly skipped: number;
  readonly series: readonly SeriesResult[];
  /** Welch's t-tests of the experiment's `comparisons`. */
  readonly comparisons: readonly ComparisonResult[];
  /** Masks this invocation took from the mask cache, by key (calibrated now or reused). */
  readonly masks: readonly CachedMask[];
  /** Wall time of this invocation until the results were written, in seconds. */
  readonly wallSeconds: number;
  readonly resultsMarkdown: string;
  readonly files: { readonly markdown: string; readonly json: string; readonly report: string };
}

/** Whether a cell's run directory has rounds on disk (it is resumed from its own config.json). */
export function cellStartedBefore(runDir: string): boolean {
  return (
    existsSync(join(runDir, RUN_FILES.checkpoint)) || existsSync(join(runDir, RUN_FILES.metrics))
  );
}

/** The invocations recorded in an earlier results.json (none when absent or unreadable). */
async function previousSessions(path: string): Promise<ExperimentSession[]> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { sessions?: unknown };
    return Array.isArray(json.sessions) ? (json.sessions as ExperimentSession[]) : [];
  } catch {
    return [];
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** The cell's full run config: base + axes + overrides + patch, its run directory and name. */
function cellRunConfig(
  experiment: ExperimentConfig,
  cell: ExperimentCell,
  runDir: string,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { ...cell.config, ...patch, name: `${experiment.name}/${cell.id}`, runDir };
}

/**
 * Runs every cell of the grid that has not finished yet (a cell is finished when its run
 * directory has summary.json, so an interrupted experiment resumes where it stopped), then
 * writes results.json, results.md and report.html over every finished cell.
 */
export async function runExperiment(
  experiment: ExperimentConfig,
  options: RunExperimentOptions,
): Promise<ExperimentOutcome> {
  const started = options.startedAt ?? performance.now();
  const startedDate = new Date(Date.now() - (performance.now() - started));
  const outDir = resolve(options.outDir);
  const cells = expandGrid(experiment);
  const patch = options.patch ?? {};
  const runDirOf = (cell: ExperimentCell) => join(outDir, 'runs', cell.id);
  // Validate every cell before training any: a typo in the last cell fails now, not in an hour.
  const configs: RunConfig[] = cells.map((cell) => {
    const config = cellRunConfig(experiment, cell, runDirOf(cell), patch);
    try {
      // The resolved config (defaults applied, paths absolute) runs the same from any directory.
      return parseRunConfig(config, { baseDir: options.baseDir });
    } catch (error) {
      if (error instanceof MeerkatError) {
        throw new MeerkatError(
          error.code,
          `experiment ${experiment.name}, cell ${cell.id}: ${error.message}`,
          { cause: error, issues: error.issues },
        );
      }
      throw error;
    }
  });
  const pending: number[] = [];
  let skipped = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as ExperimentCell;
    if (await exists(join(runDirOf(cell), RUN_FILES.summary))) {
      skipped++;
      options.onCell?.({ type: 'skip', cell, index: i, total: cells.length });
    } else if (options.only === undefined || options.only(cell)) pending.push(i);
  }
  const cacheDir =
    options.maskCacheDir === undefined
      ? join(dirname(outDir), MASK_CACHE_DIR_NAME)
      : options.maskCacheDir === null
        ? null
        : resolve(options.maskCacheDir);
  const maskCache =
    cacheDir === null
      ? null
      : new MaskCache(cacheDir, options.onMask === undefined ? {} : { onEvent: options.onMask });
  const masks = new Map<string, CachedMask>();
  if (options.dryRun !== true) {
    const parallel = Math.max(1, options.parallel ?? experiment.parallel);
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const i = pending[next++] as number;
        const cell = cells[i] as ExperimentCell;
        let config = configs[i] as RunConfig;
        // A cell that calibrates its own mask gets the cached one (calibrated once per key)
        // as mask.file; a cell resumed from its run directory keeps the mask it started with.
        if (
          maskCache !== null &&
          needsCalibratedMask(config) &&
          !cellStartedBefore(config.runDir)
        ) {
          const cached = await maskCache.get(config);
          if (!masks.has(cached.key)) masks.set(cached.key, cached);
          config = { ...config, mask: { ...config.mask, file: cached.file } };
        }
        options.onCell?.({ type: 'start', cell, index: i, total: cells.length });
        const t0 = performance.now();
        await options.runCell(config as unknown as Record<string, unknown>, cell);
        const seconds = (performance.now() - t0) / 1000;
        options.onCell?.({ type: 'done', cell, index: i, total: cells.length, seconds });
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, pending.length) }, worker));
  }

  const finished: CellResult[] = [];
  for (const cell of cells) {
    const dir = runDirOf(cell);
    if (!(await exists(join(dir, RUN_FILES.summary)))) continue;
    const run = await readRunDir(dir);
    finished.push({ cell, run, detection: run.detection?.clients ?? null });
  }
  const series = summariseSeries(finished);
  const comparisons = compareSeries(experiment, series);
  const maskUses = cacheDir === null ? [] : await masksOfCells(finished, cacheDir, masks);
  const files = {
    markdown: join(outDir, 'results.md'),
    json: join(outDir, 'results.json'),
    report: join(outDir, 'report.html'),
  };
  const ran = options.dryRun === true ? 0 : pending.length;
  const wallSeconds = (performance.now() - started) / 1000;
  const calibratedNow = [...masks.values()].filter((m) => m.calibratedNow);
  const session: ExperimentSession = {
    startedAt: startedDate.toISOString(),
    wallSeconds,
    ran,
    skipped,
    masksCalibrated: calibratedNow.length,
    calibrationSeconds: calibratedNow.reduce((sum, m) => sum + (m.seconds ?? 0), 0),
  };
  // The invocations that trained the finished cells: a fresh run (nothing skipped) starts the
  // list, a continuation adds to it, an invocation that trained nothing leaves it as it was.
  const before = await previousSessions(files.json);
  const sessions =
    ran === 0 ? before : skipped === 0 && ran === cells.length ? [session] : [...before, session];
  const markdown = resultsMarkdown({
    name: experiment.name,
    description: experiment.description,
    command: options.command,
    series,
    finishedCells: finished.length,
    totalCells: cells.length,
    runSeconds: finished.reduce((sum, c) => sum + (c.run.summary?.seconds ?? 0), 0),
    comparisons,
    masks: maskUses,
    sessions,
    ...(cacheDir === null ? {} : { maskCacheDir: relative(outDir, cacheDir) }),
  });
  // A dry run only lists the cells; it leaves the results files as they are.
  if (options.dryRun !== true) {
    await mkdir(dirname(files.markdown), { recursive: true });
    await writeFile(files.markdown, markdown);
    await writeFile(
      files.json,
      `${JSON.stringify(
        {
          name: experiment.name,
          description: experiment.description,
          command: options.command,
          finishedCells: finished.length,
          totalCells: cells.length,
          wallSeconds,
          sessions,
          series,
          comparisons,
          masks: maskUses,
          cells: finished.map((c) => ({
            id: c.cell.id,
            series: c.cell.series,
            axes: c.cell.axes,
            runDir: relative(outDir, c.run.dir),
            summary: c.run.summary,
            detection: c.detection,
          })),
        },
        null,
        2,
      )}\n`,
    );
    if (finished.length > 0) {
      const report = await buildReport(
        finished.map((c) => c.run),
        {
          title: `Meerkat experiment: ${experiment.name}`,
          description: experiment.description,
          series: new Map(finished.map((c) => [c.run.dir, c.cell.series])),
        },
      );
      await writeFile(files.report, report.html);
    }
  }
  return {
    outDir,
    cells,
    ran,
    skipped,
    series,
    comparisons,
    masks: [...masks.values()],
    wallSeconds,
    resultsMarkdown: markdown,
    files,
  };
}

/**
 * The cached masks the finished cells trained on (their config.json's `mask.file` inside the
 * cache directory), with the cells that shared each and whether this invocation calibrated it.
 */
async function masksOfCells(
  finished: readonly CellResult[],
  cacheDir: string,
  now: ReadonlyMap<string, CachedMask>,
): Promise<MaskUse[]> {
  const byKey = new Map<string, CellResult[]>();
  for (const c of finished) {
    const file = (c.run.config as { mask?: { file?: unknown } } | null)?.mask?.file;
    if (typeof file !== 'string' || dirname(file) !== cacheDir || !file.endsWith('.bin')) continue;
    const key = file.slice(cacheDir.length + 1, -'.bin'.length);
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  const uses: MaskUse[] = [];
  for (const [key, group] of byKey) {
    const meta = await readMaskCacheMeta(cacheDir, key);
    const config = group[0]?.run.config as RunConfig;
    uses.push({
      key,
      seed: meta?.inputs.seed ?? config.seed,
      density: meta?.inputs.density ?? config.mask.density,
      calibration: meta?.inputs.calibration ?? config.mask.calibration,
      backend: meta?.inputs.backend ?? null,
      seconds: meta?.seconds ?? null,
      createdAt: meta?.createdAt ?? null,
      origin: now.has(key) ? (now.get(key)?.calibratedNow ? 'calibrated' : 'reused') : null,
      cells: group.map((c) => c.cell.id),
      series: [...new Set(group.map((c) => c.cell.series))],
    });
  }
  return uses;
}
