import { dirname, join, resolve } from 'node:path';
import {
  type CachedMask,
  MASK_CACHE_DIR_NAME,
  MaskCache,
  type MaskCacheEvent,
  MeerkatError,
  parseRunConfig,
  type RunConfig,
} from '@meerkat/trainer';
import { readRunDir } from '../read-run-dir.js';
import { cellFinished, cellRunDir } from './cell-run-dir.js';
import { type ComparisonResult, compareSeries } from './comparisons.js';
import { type ExperimentCell, expandGrid } from './expand-grid.js';
import type { ExperimentConfig } from './experiment-config.js';
import { type CellResult, type SeriesResult, summariseSeries } from './experiment-results.js';
import { masksOfCells } from './mask-uses.js';
import {
  experimentMarkdown,
  previousSessions,
  type ResultsContent,
  resultsFiles,
  writeResultsFiles,
} from './results-files.js';
import type { ExperimentSession } from './results-markdown.js';
import { type CellEvent, type CellRunner, trainCells } from './train-cells.js';

export { cellStartedBefore } from './cell-run-dir.js';
export type { CellEvent, CellRunner } from './train-cells.js';

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
 * Every cell's resolved run config (defaults applied, paths absolute, so it runs the same from
 * any directory); a cell that does not parse throws a MeerkatError naming the cell.
 */
function resolveCellConfigs(
  experiment: ExperimentConfig,
  cells: readonly ExperimentCell[],
  outDir: string,
  options: RunExperimentOptions,
): RunConfig[] {
  const patch = options.patch ?? {};
  return cells.map((cell) => {
    const config = cellRunConfig(experiment, cell, cellRunDir(outDir, cell), patch);
    try {
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
}

/**
 * The indices of the cells to train (not finished, accepted by `only`) and the number of
 * finished cells, each reported as a 'skip' event.
 */
async function findPendingCells(
  cells: readonly ExperimentCell[],
  outDir: string,
  options: RunExperimentOptions,
): Promise<{ pending: number[]; skipped: number }> {
  const pending: number[] = [];
  let skipped = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as ExperimentCell;
    if (await cellFinished(cellRunDir(outDir, cell))) {
      skipped++;
      options.onCell?.({ type: 'skip', cell, index: i, total: cells.length });
    } else if (options.only === undefined || options.only(cell)) pending.push(i);
  }
  return { pending, skipped };
}

/** The mask cache directory: `maskCacheDir` resolved, by default `<outDir>/../.mask-cache`. */
function maskCacheDirOf(outDir: string, maskCacheDir: string | null | undefined): string | null {
  if (maskCacheDir === undefined) return join(dirname(outDir), MASK_CACHE_DIR_NAME);
  return maskCacheDir === null ? null : resolve(maskCacheDir);
}

/** The mask cache in `cacheDir` (null: none), reporting to `onMask`. */
function openMaskCache(
  cacheDir: string | null,
  onMask: ((event: MaskCacheEvent) => void) | undefined,
): MaskCache | null {
  if (cacheDir === null) return null;
  return new MaskCache(cacheDir, onMask === undefined ? {} : { onEvent: onMask });
}

/** The finished cells (run directory with summary.json), read in grid order. */
async function readFinishedCells(
  cells: readonly ExperimentCell[],
  outDir: string,
): Promise<CellResult[]> {
  const finished: CellResult[] = [];
  for (const cell of cells) {
    const dir = cellRunDir(outDir, cell);
    if (!(await cellFinished(dir))) continue;
    const run = await readRunDir(dir);
    finished.push({ cell, run, detection: run.detection?.clients ?? null });
  }
  return finished;
}

/**
 * The finished cells, their series and comparisons, and the cached masks they trained on
 * (`masks`: those this invocation took from the cache).
 */
async function tabulateFinishedCells(
  experiment: ExperimentConfig,
  cells: readonly ExperimentCell[],
  outDir: string,
  cacheDir: string | null,
  masks: ReadonlyMap<string, CachedMask>,
): Promise<Pick<ResultsContent, 'finished' | 'series' | 'comparisons' | 'masks'>> {
  const finished = await readFinishedCells(cells, outDir);
  const series = summariseSeries(finished);
  const comparisons = compareSeries(experiment, series);
  const maskUses = cacheDir === null ? [] : await masksOfCells(finished, cacheDir, masks);
  return { finished, series, comparisons, masks: maskUses };
}

/** This invocation as results.json records it. */
function invocationSession(
  startedDate: Date,
  wallSeconds: number,
  ran: number,
  skipped: number,
  masks: ReadonlyMap<string, CachedMask>,
): ExperimentSession {
  const calibratedNow = [...masks.values()].filter((m) => m.calibratedNow);
  return {
    startedAt: startedDate.toISOString(),
    wallSeconds,
    ran,
    skipped,
    masksCalibrated: calibratedNow.length,
    calibrationSeconds: calibratedNow.reduce((sum, m) => sum + (m.seconds ?? 0), 0),
  };
}

/**
 * The invocations that trained the finished cells: a fresh run (nothing skipped) starts the
 * list, a continuation adds to it, an invocation that trained nothing leaves it as it was.
 */
async function sessionsAfter(
  resultsJson: string,
  session: ExperimentSession,
  totalCells: number,
): Promise<ExperimentSession[]> {
  const before = await previousSessions(resultsJson);
  const { ran, skipped } = session;
  if (ran === 0) return before;
  return skipped === 0 && ran === totalCells ? [session] : [...before, session];
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
  // Validate every cell before training any: a typo in the last cell fails now, not in an hour.
  const configs = resolveCellConfigs(experiment, cells, outDir, options);
  const { pending, skipped } = await findPendingCells(cells, outDir, options);
  const cacheDir = maskCacheDirOf(outDir, options.maskCacheDir);
  const maskCache = openMaskCache(cacheDir, options.onMask);
  const dryRun = options.dryRun === true;
  const masks = dryRun
    ? new Map<string, CachedMask>()
    : await trainCells({
        cells,
        configs,
        pending,
        parallel: Math.max(1, options.parallel ?? experiment.parallel),
        maskCache,
        runCell: options.runCell,
        onCell: options.onCell,
      });

  const tables = await tabulateFinishedCells(experiment, cells, outDir, cacheDir, masks);
  const files = resultsFiles(outDir);
  const ran = dryRun ? 0 : pending.length;
  const wallSeconds = (performance.now() - started) / 1000;
  const session = invocationSession(startedDate, wallSeconds, ran, skipped, masks);
  const sessions = await sessionsAfter(files.json, session, cells.length);
  const content: ResultsContent = {
    experiment,
    command: options.command,
    outDir,
    totalCells: cells.length,
    ...tables,
    maskCacheDir: cacheDir,
    sessions,
    wallSeconds,
  };
  const markdown = experimentMarkdown(content);
  // A dry run only lists the cells; it leaves the results files as they are.
  if (!dryRun) await writeResultsFiles(files, content, markdown);
  return {
    outDir,
    cells,
    ran,
    skipped,
    series: tables.series,
    comparisons: tables.comparisons,
    masks: [...masks.values()],
    wallSeconds,
    resultsMarkdown: markdown,
    files,
  };
}
