import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { type CliCommand, CliUsageError } from '@meerkat/cli-kit';
import type { ExperimentCell } from '@meerkat/report';
import {
  type CellRunner,
  cellStartedBefore,
  formatSeconds,
  loadExperimentConfig,
  runExperiment,
} from '@meerkat/report';
import { MASK_CACHE_DIR_NAME, Meerkat } from '@meerkat/trainer';
import { builtCliPath } from '../built-cli.js';
import type { MeerkatIo } from '../cli-io.js';
import { isModelName, resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { ProgressReporter } from '../progress.js';
import { driveTraining } from '../train-driver.js';
import type { MeerkatCliCode } from '../usage-codes.js';

function inProcessRunner(io: MeerkatIo, baseDir: string): CellRunner {
  return async (config, cell) => {
    const runDir = config.runDir as string;
    const trainer = cellStartedBefore(runDir)
      ? Meerkat.resume(runDir)
      : new Meerkat(config, { baseDir });
    const progress = io.stderr.isTTY === true ? new ProgressReporter(io.stderr, cell.id) : null;
    await driveTraining(trainer, progress);
  };
}

function childProcessRunner(io: MeerkatIo, cli: string, baseDir: string): CellRunner {
  return async (config, cell: ExperimentCell) => {
    const runDir = config.runDir as string;
    let args: string[];
    if (cellStartedBefore(runDir)) args = ['train', '--resume', runDir, '--quiet'];
    else {
      const file = `${runDir}.config.json`;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
      args = ['train', '--config', file, '--quiet'];
    }
    await new Promise<void>((resolveRun, reject) => {
      const child = spawn(process.execPath, [cli, ...args], {
        cwd: baseDir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolveRun();
        else {
          io.stderr.write(stderr);
          reject(
            new Error(
              `cell ${cell.id} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`,
            ),
          );
        }
      });
    });
  };
}

export const experimentCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'experiment',
    summary:
      'Run a grid of training runs (methods × local steps × seeds …) from an experiment file and write results.md, results.json (mean ± std over seeds) and report.html. Finished cells are skipped, so an interrupted experiment resumes.',
    brief: 'Run a grid of training runs (methods × local steps × seeds …) from an experiment file',
    positionals: [
      { name: 'FILE.json', description: 'experiment file (experiments/*.json)', required: true },
    ],
    flags: [
      {
        name: 'out',
        type: 'string',
        valueName: 'DIR',
        description: 'results directory',
        default: { text: '<file dir>/results/<name>' },
      },
      {
        name: 'parallel',
        type: 'integer',
        min: 1,
        max: 16,
        description: 'cells at once, each in its own process (needs the built CLI)',
        default: { text: "the file's parallel" },
      },
      {
        name: 'model',
        type: 'string',
        valueName: 'MODEL',
        description:
          "override every cell's model: a directory, llama2.c .bin, stories15M or hf:ORG/NAME[@REV]",
      },
      {
        name: 'only',
        type: 'string',
        valueName: 'TEXT',
        description:
          'train only the cells whose id contains TEXT (e.g. seed-0); the table covers every finished cell',
      },
      {
        name: 'mask-cache',
        type: 'string',
        valueName: 'DIR',
        description:
          'where calibrated masks are cached and shared between cells and experiments (one calibration per model, backend, density, calibration settings and seed)',
        default: { text: `<out>/../${MASK_CACHE_DIR_NAME}` },
      },
      {
        name: 'no-mask-cache',
        type: 'boolean',
        description: 'let every cell calibrate its own mask, as `meerkat train` does',
      },
      {
        name: 'dry-run',
        type: 'boolean',
        description: 'list the cells and what would run, train nothing',
      },
    ],
    details: ['Example: meerkat experiment experiments/vp-vs-meerkat.json'],
  },
  async run(args, io) {
    const startedAt = performance.now();
    const maskCacheArg = args.optionalString('mask-cache');
    if (maskCacheArg !== undefined && args.boolean('no-mask-cache')) {
      throw new CliUsageError(
        'CLI_CONFLICTING_FLAGS',
        '--mask-cache DIR and --no-mask-cache exclude each other; give one',
      );
    }
    const file = resolvePath(io, args.positionals[0] as string);
    const experiment = await loadExperimentConfig(file);
    const baseDir = dirname(file);
    const outDir = resolvePath(
      io,
      args.optionalString('out') ?? join(baseDir, 'results', experiment.name),
    );
    const parallel = args.optionalNumber('parallel') ?? experiment.parallel;
    let runCell: CellRunner;
    if (parallel > 1) {
      const cli = builtCliPath();
      if (cli === null) {
        throw new CliUsageError(
          'CLI_INVALID_VALUE',
          '--parallel > 1 runs cells through the built CLI (dist/cli.js), which is missing: run `npm run build` first, or use --parallel 1',
        );
      }
      runCell = childProcessRunner(io, cli, baseDir);
    } else runCell = inProcessRunner(io, baseDir);
    const modelArg = args.optionalString('model');
    const baseModel = experiment.base['model'];
    // A model name (stories15M, hf:ORG/NAME) or a llama2.c .bin is resolved once, here, and every
    // cell gets the directory; a --dry-run downloads nothing.
    let model: string | undefined;
    if (modelArg !== undefined) {
      model = args.boolean('dry-run')
        ? resolvePath(io, modelArg)
        : await resolveModelArg(io, modelArg);
    } else if (typeof baseModel === 'string' && !args.boolean('dry-run')) {
      if (isModelName(baseModel, baseDir) || baseModel.endsWith('.bin')) {
        model = await resolveModelArg(io, baseModel, baseDir, 'base.model');
      } else if (!existsSync(resolve(baseDir, baseModel))) {
        throw new CliUsageError<MeerkatCliCode>(
          'CLI_MODEL_NOT_FOUND',
          `the model of ${basename(file)} (base.model ${baseModel}) is not at ${resolve(baseDir, baseModel)}; put it there, or run the experiment on another model with --model MODEL (a directory, a llama2.c .bin, stories15M or hf:ORG/NAME)`,
        );
      }
    }
    const only = args.optionalString('only');
    const shown = (path: string) => {
      const rel = relative(io.cwd, path);
      return rel.startsWith('..') || rel === '' ? path : rel;
    };
    const outcome = await runExperiment(experiment, {
      outDir,
      baseDir,
      runCell,
      parallel,
      startedAt,
      ...(args.boolean('no-mask-cache')
        ? { maskCacheDir: null }
        : maskCacheArg === undefined
          ? {}
          : { maskCacheDir: resolvePath(io, maskCacheArg) }),
      onMask: (e) => {
        if (e.type === 'calibrating') {
          const c = e.inputs.calibration;
          io.stderr.write(
            `mask for seed ${e.seed}: calibrating (density ${e.inputs.density}, ${c.batches} × ${c.batchSize} × ${c.seqLen} tokens of ${c.corpus} on ${e.inputs.backend}) …\n`,
          );
        } else if (e.type === 'calibrated') {
          io.stderr.write(
            `mask for seed ${e.seed}: calibrated in ${formatSeconds(e.seconds)}; cached at ${shown(e.file)}\n`,
          );
        } else io.stderr.write(`mask for seed ${e.seed}: reusing ${shown(e.file)}\n`);
      },
      command: `meerkat experiment ${basename(dirname(file))}/${basename(file)}`,
      ...(model === undefined ? {} : { patch: { model } }),
      dryRun: args.boolean('dry-run'),
      ...(only === undefined ? {} : { only: (cell: ExperimentCell) => cell.id.includes(only) }),
      onCell: (e) => {
        const where = `[${e.index + 1}/${e.total}] ${e.cell.id}`;
        if (e.type === 'skip') io.stderr.write(`${where}: finished before, skipped\n`);
        else if (e.type === 'start') io.stderr.write(`${where}: started\n`);
        else io.stderr.write(`${where}: done in ${formatSeconds(e.seconds)}\n`);
      },
    });
    if (args.boolean('dry-run')) {
      for (const cell of outcome.cells)
        io.stdout.write(`${cell.id}\t${cell.series}\t${JSON.stringify(cell.config)}\n`);
      io.stdout.write(`${outcome.cells.length} cells, ${outcome.skipped} finished before\n`);
      return 0;
    }
    io.stdout.write(outcome.resultsMarkdown);
    io.stdout.write(
      `\nran ${outcome.ran} cell(s), skipped ${outcome.skipped}; wrote ${outcome.files.markdown}, ${outcome.files.json}, ${outcome.files.report}\n`,
    );
    const calibrated = outcome.masks.filter((m) => m.calibratedNow);
    const reused = outcome.masks.length - calibrated.length;
    io.stdout.write(
      `total wall time: ${formatSeconds((performance.now() - startedAt) / 1000)} (model loading${calibrated.length > 0 ? `, ${calibrated.length} mask calibration${calibrated.length === 1 ? '' : 's'}` : ''}${reused > 0 ? `, ${reused} cached mask${reused === 1 ? '' : 's'} reused` : ''}, ${outcome.ran} cell${outcome.ran === 1 ? '' : 's'} trained)\n`,
    );
    return 0;
  },
};
