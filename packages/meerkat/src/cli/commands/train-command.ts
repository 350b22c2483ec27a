import { dirname } from 'node:path';
import { type CliCommand, CliUsageError, type StringFlagSpec } from '@meerkat/cli-kit';
import { Meerkat, parseRunConfig } from '@meerkat/trainer';
import type { MeerkatIo } from '../cli-io.js';
import { CONFIG_BACKEND_FLAG, JSON_FLAG, QUIET_FLAG } from '../common-flags.js';
import { resolveConfigModel } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { ProgressReporter } from '../progress.js';
import { readJsonFile } from '../read-json-file.js';
import { describeSummary, driveTraining } from '../train-driver.js';

const RUN_DIR_FLAG: StringFlagSpec = {
  name: 'run-dir',
  type: 'string',
  valueName: 'DIR',
  description: "override the config's runDir",
};

/** The top-level keys whose values differ between two resolved configs. */
function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => k !== 'runDir' && k !== 'name' && JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

export const trainCommand: CliCommand<MeerkatIo> = {
  spec: {
    name: 'train',
    summary:
      'Run a federated fine-tuning job from a run config (JSON): writes RUN_DIR/metrics.jsonl (one line per round: accuracy, loss, bytes up/down per client, forward passes, GradIP per client, flags), summary.json, config.json, theta.bin and checkpoint.bin.',
    brief: 'Run a federated fine-tuning job from a run config (JSON)',
    flags: [
      {
        name: 'config',
        type: 'string',
        valueName: 'FILE.json',
        description:
          'run config (see the README: method, model, runDir, clients, rounds, localSteps, …); relative paths resolve against the file',
      },
      {
        name: 'resume',
        type: 'string',
        valueName: 'RUN_DIR',
        description:
          'continue the run in RUN_DIR from its last checkpoint (its config.json; --config, if given, must match it)',
      },
      RUN_DIR_FLAG,
      CONFIG_BACKEND_FLAG,
      JSON_FLAG,
      QUIET_FLAG,
    ],
    details: [
      'Progress goes to stderr: one redrawn line on a terminal, one line per round otherwise.',
      '',
      'Example: meerkat train --config experiments/demo-run.json',
    ],
  },
  async run(args, io) {
    const configPath = args.optionalString('config');
    const resume = args.optionalString('resume');
    if (configPath === undefined && resume === undefined) {
      throw new CliUsageError(
        'CLI_CONFLICTING_FLAGS',
        'give --config FILE.json (a new run) or --resume RUN_DIR (continue one)',
      );
    }
    const backendName = args.optionalString('backend');
    let trainer: Meerkat;
    if (resume !== undefined) {
      if (args.given('backend') || args.given('run-dir')) {
        throw new CliUsageError(
          'CLI_CONFLICTING_FLAGS',
          '--resume continues a run with its own config.json; --backend and --run-dir cannot change it',
        );
      }
      const runDir = resolvePath(io, resume);
      trainer = Meerkat.resume(runDir);
      if (configPath !== undefined) {
        const file = resolvePath(io, configPath);
        const given = parseRunConfig(
          { ...((await readJsonFile(file, 'run config')) as object), runDir },
          { baseDir: dirname(file) },
        );
        const differ = differingKeys(
          given as unknown as Record<string, unknown>,
          trainer.config as unknown as Record<string, unknown>,
        );
        if (differ.length > 0) {
          throw new CliUsageError(
            'CLI_INVALID_VALUE',
            `--config ${configPath} differs from ${runDir}/config.json in ${differ.join(', ')}; a resumed run keeps its config (drop --config)`,
          );
        }
      }
    } else {
      const file = resolvePath(io, configPath as string);
      const input = await resolveConfigModel(
        io,
        (await readJsonFile(file, 'run config')) as Record<string, unknown>,
        file,
      );
      const runDir = args.optionalString('run-dir');
      trainer = new Meerkat(
        {
          ...input,
          ...(runDir === undefined ? {} : { runDir: resolvePath(io, runDir) }),
          ...(backendName === undefined ? {} : { backend: backendName }),
        },
        { baseDir: dirname(file) },
      );
    }
    const progress = args.boolean('quiet') ? null : new ProgressReporter(io.stderr, 'train');
    const { summary } = await driveTraining(trainer, progress);
    io.stdout.write(
      args.boolean('json')
        ? `${JSON.stringify(summary, null, 2)}\n`
        : describeSummary(summary, trainer.config.runDir),
    );
    return 0;
  },
};
