import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseRunConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import { buildReport } from '../report/build-report.js';
import { readRunDir } from '../report/read-run-dir.js';
import { RUN_FILES } from '../run-files.js';
import { type ExperimentCell, expandGrid } from './expand-grid.js';
import type { ExperimentConfig } from './experiment-config.js';
import { type CellResult, type SeriesResult, summariseSeries } from './experiment-results.js';
import { resultsMarkdown } from './results-markdown.js';

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
  readonly resultsMarkdown: string;
  readonly files: { readonly markdown: string; readonly json: string; readonly report: string };
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
  const started = performance.now();
  const outDir = resolve(options.outDir);
  const cells = expandGrid(experiment);
  const patch = options.patch ?? {};
  const runDirOf = (cell: ExperimentCell) => join(outDir, 'runs', cell.id);
  // Validate every cell before training any: a typo in the last cell fails now, not in an hour.
  const configs = cells.map((cell) => {
    const config = cellRunConfig(experiment, cell, runDirOf(cell), patch);
    try {
      // The resolved config (defaults applied, paths absolute) runs the same from any directory.
      return parseRunConfig(config, { baseDir: options.baseDir }) as unknown as Record<
        string,
        unknown
      >;
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
  if (options.dryRun !== true) {
    const parallel = Math.max(1, options.parallel ?? experiment.parallel);
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const i = pending[next++] as number;
        const cell = cells[i] as ExperimentCell;
        options.onCell?.({ type: 'start', cell, index: i, total: cells.length });
        const t0 = performance.now();
        await options.runCell(configs[i] as Record<string, unknown>, cell);
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
  const wallSeconds = (performance.now() - started) / 1000;
  const markdown = resultsMarkdown({
    name: experiment.name,
    description: experiment.description,
    command: options.command,
    series,
    finishedCells: finished.length,
    totalCells: cells.length,
    runSeconds: finished.reduce((sum, c) => sum + (c.run.summary?.seconds ?? 0), 0),
  });
  const files = {
    markdown: join(outDir, 'results.md'),
    json: join(outDir, 'results.json'),
    report: join(outDir, 'report.html'),
  };
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
          series,
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
    ran: options.dryRun === true ? 0 : pending.length,
    skipped,
    series,
    resultsMarkdown: markdown,
    files,
  };
}
