import { dirname } from 'node:path';
import { parseRunConfig } from '../../config/parse-run-config.js';
import { Meerkat } from '../../meerkat.js';
import type { FlagSpec } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { BACKEND_FLAG, JSON_FLAG, QUIET_FLAG } from '../common-flags.js';
import { isModelName, resolveModelArg } from '../model-arg.js';
import { resolvePath } from '../paths.js';
import { ProgressReporter } from '../progress.js';
import { readJsonFile } from '../read-json-file.js';
import { describeSummary, driveTraining } from '../train-driver.js';

const RUN_DIR_FLAG: FlagSpec = {
  name: 'run-dir',
  type: 'string',
  value: 'DIR',
  description: "override the config's runDir",
};

/** The top-level keys whose values differ between two resolved configs. */
function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => k !== 'runDir' && k !== 'name' && JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

export const trainCommand: CliCommand = {
  spec: {
    name: 'train',
    summary:
      'Run a federated fine-tuning job from a run config (JSON): writes RUN_DIR/metrics.jsonl (one line per round: accuracy, loss, bytes up/down per client, forward passes, GradIP per client, flags), summary.json, config.json, theta.bin and checkpoint.bin.',
    positionals: [],
    flags: [
      {
        name: 'config',
        type: 'string',
        value: 'FILE.json',
        description:
          'run config (see the README: method, model, runDir, clients, rounds, localSteps, …); relative paths resolve against the file',
      },
      {
        name: 'resume',
        type: 'string',
        value: 'RUN_DIR',
        description:
          'continue the run in RUN_DIR from its last checkpoint (its config.json; --config, if given, must match it)',
      },
      RUN_DIR_FLAG,
      BACKEND_FLAG,
      JSON_FLAG,
      QUIET_FLAG,
    ],
    notes: [
      'Progress goes to stderr: one redrawn line on a terminal, one line per round otherwise.',
      'Example: meerkat train --config experiments/demo-run.json',
    ],
  },
  async run(args, io) {
    const configPath = args.string('config');
    const resume = args.string('resume');
    if (configPath === undefined && resume === undefined) {
      throw new CliError(
        'CLI_MISSING_ARGUMENT',
        'meerkat train: give --config FILE.json (a new run) or --resume RUN_DIR (continue one)',
      );
    }
    const backendName = args.string('backend');
    let trainer: Meerkat;
    if (resume !== undefined) {
      if (backendName !== undefined || args.has('run-dir')) {
        throw new CliError(
          'CLI_INVALID_VALUE',
          'meerkat train: --resume continues a run with its own config.json; --backend and --run-dir cannot change it',
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
          throw new CliError(
            'CLI_INVALID_VALUE',
            `meerkat train: --config ${configPath} differs from ${runDir}/config.json in ${differ.join(', ')}; a resumed run keeps its config (drop --config)`,
          );
        }
      }
    } else {
      const file = resolvePath(io, configPath as string);
      const input = (await readJsonFile(file, 'run config')) as Record<string, unknown>;
      const model = input['model'];
      if (
        typeof model === 'string' &&
        (isModelName(model, dirname(file)) || model.endsWith('.bin'))
      ) {
        // stories15M, hf:ORG/NAME or a llama2.c .bin: the run records the directory it resolved to.
        input['model'] = await resolveModelArg(io, model, dirname(file), 'model');
      }
      const runDir = args.string('run-dir');
      trainer = new Meerkat(
        {
          ...input,
          ...(runDir === undefined ? {} : { runDir: resolvePath(io, runDir) }),
          ...(backendName === undefined ? {} : { backend: backendName }),
        },
        { baseDir: dirname(file) },
      );
    }
    const progress = args.flag('quiet') ? null : new ProgressReporter(io.stderr, 'train');
    const { summary } = await driveTraining(trainer, progress);
    io.stdout.write(
      args.flag('json')
        ? `${JSON.stringify(summary, null, 2)}\n`
        : describeSummary(summary, trainer.config.runDir),
    );
    return 0;
  },
};
