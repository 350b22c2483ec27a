import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliUsageError, type CommandSpec, parseCommandLine } from '@meerkat/cli-kit';
import { parseRunConfig } from '@meerkat/trainer';
import { describe, expect, it } from 'vitest';
import { calibrateCommand } from '../src/cli/commands/calibrate-command.js';
import { DEMO_DEFAULTS, demoCommand } from '../src/cli/commands/demo-command.js';
import { evalCommand } from '../src/cli/commands/eval-command.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { serveCommand } from '../src/cli/commands/nats/serve.js';
import { statusCommand } from '../src/cli/commands/nats/status.js';
import { reportCommand } from '../src/cli/commands/report-command.js';
import { trainCommand } from '../src/cli/commands/train-command.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

/**
 * meerkat's own command specs, read through @meerkat/cli-kit (whose parser, help and runner have
 * their own tests): the defaults are the run config's (the trainer resolves a config that sets
 * nothing but `model` and `runDir` to the same values), the flags a command cannot run without
 * are required, and a bad value for a real flag is a one-line usage error with exit 2.
 */

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-cli-args-'));

/** What the trainer makes of a run config that sets only the required fields. */
const CONFIG = parseRunConfig({ model: 'm', runDir: 'r' });

async function run(argv: string[]) {
  const io = memoryIo(scratch);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

function usageError(spec: CommandSpec, argv: string[]): CliUsageError {
  try {
    parseCommandLine(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return error as CliUsageError;
  }
  throw new Error(`${spec.name} ${argv.join(' ')} parsed`);
}

/** The help line of `--name`. */
function helpLine(help: string, name: string): string {
  const line = help.split('\n').find((l) => l.startsWith(`  --${name} `));
  if (line === undefined) throw new Error(`no --${name} in:\n${help}`);
  return line;
}

describe('meerkat command specs (through cli-kit)', () => {
  it('calibrate without flags calibrates what a run config calibrates by default', () => {
    const args = parseCommandLine(calibrateCommand.spec, ['--model', 'm']);
    const { calibration } = CONFIG.mask;
    expect(args.number('density')).toBe(CONFIG.mask.density);
    expect(args.string('corpus')).toBe(calibration.corpus);
    expect(args.number('batches')).toBe(calibration.batches);
    expect(args.number('batch-size')).toBe(calibration.batchSize);
    expect(args.number('seq-len')).toBe(calibration.seqLen);
    expect(args.string('scope')).toBe(calibration.scope);
    expect(args.number('seed')).toBe(CONFIG.seed);
    expect(args.string('backend')).toBe(CONFIG.backend);
    expect(args.string('out')).toBe('mask.bin');
    // Defaulted flags have values but were not typed.
    expect(args.has('density')).toBe(true);
    expect(args.given('density')).toBe(false);
    const typed = parseCommandLine(calibrateCommand.spec, [
      '--model',
      'm',
      '--density=0.01',
      '--scope',
      'per-tensor',
      '--seed',
      '7',
    ]);
    expect(typed.given('density')).toBe(true);
    expect([typed.number('density'), typed.string('scope'), typed.number('seed')]).toEqual([
      0.01,
      'per-tensor',
      7,
    ]);
  });

  it("calibrate --help prints the run config's defaults", async () => {
    const { code, out } = await run(['calibrate', '--help']);
    expect(code).toBe(0);
    const { calibration } = CONFIG.mask;
    expect(helpLine(out, 'density')).toContain(`(default ${CONFIG.mask.density})`);
    expect(helpLine(out, 'corpus')).toContain(`(default ${calibration.corpus})`);
    expect(helpLine(out, 'batches')).toContain(`(default ${calibration.batches})`);
    expect(helpLine(out, 'batch-size')).toContain(`(default ${calibration.batchSize})`);
    expect(helpLine(out, 'seq-len')).toContain(`(default ${calibration.seqLen})`);
    expect(helpLine(out, 'scope')).toMatch(/^ {2}--scope global\|per-tensor .*\(default global\)$/);
    expect(helpLine(out, 'seed')).toContain(`(default ${CONFIG.seed})`);
    expect(helpLine(out, 'backend')).toContain(`(default ${CONFIG.backend})`);
    expect(helpLine(out, 'model')).toContain('(required)');
    expect(out).toContain('Usage: meerkat calibrate --model MODEL [--corpus FILE|builtin:NAME]');
  });

  it('demo defaults to DEMO_DEFAULTS and the run seed; its model is worked out by the command', async () => {
    const args = parseCommandLine(demoCommand.spec, []);
    expect(args.number('rounds')).toBe(DEMO_DEFAULTS.rounds);
    expect(args.number('local-steps')).toBe(DEMO_DEFAULTS.localSteps);
    expect(args.number('calibration-steps')).toBe(DEMO_DEFAULTS.calibrationSteps);
    expect(args.number('seed')).toBe(CONFIG.seed);
    expect(args.string('out')).toBe('meerkat-demo');
    expect(args.optionalString('model')).toBeUndefined();
    const { out } = await run(['demo', '--help']);
    expect(helpLine(out, 'rounds')).toContain(`(default ${DEMO_DEFAULTS.rounds})`);
    expect(helpLine(out, 'model')).toContain('(default stories15M: ');
  });

  it("eval's batch size is the run config's evaluation batch size; --data and --model are worked out", async () => {
    const args = parseCommandLine(evalCommand.spec, ['--theta', 't.bin']);
    expect(args.number('batch-size')).toBe(CONFIG.evaluation.batchSize);
    expect(args.optionalString('data')).toBeUndefined();
    expect(args.optionalString('model')).toBeUndefined();
    expect(args.optionalNumber('limit')).toBeUndefined();
    const { out } = await run(['eval', '--help']);
    expect(helpLine(out, 'data')).toContain(
      "(default builtin:spam-assassin (causal-lm: the run's test split))",
    );
    expect(helpLine(out, 'model')).toContain("(default the run config's model)");
  });

  it("train and serve --backend replace the config's backend only when given", async () => {
    const needs = { train: [], serve: ['--nats', 'nats://x', '--config', 'run.json'] };
    for (const spec of [trainCommand.spec, serveCommand.spec]) {
      const base = needs[spec.name as keyof typeof needs];
      const absent = parseCommandLine(spec, base);
      expect(absent.optionalString('backend'), spec.name).toBeUndefined();
      const given = parseCommandLine(spec, [...base, '--backend', 'tfjs:cpu']);
      expect(given.optionalString('backend')).toBe('tfjs:cpu');
    }
    const { out } = await run(['train', '--help']);
    expect(helpLine(out, 'backend')).toContain(
      `(default the run config's backend (${CONFIG.backend} when it names none))`,
    );
    const resumed = await run(['train', '--resume', scratch, '--backend', 'tfjs:cpu']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toBe(
      'meerkat train: --resume continues a run with its own config.json; --backend and --run-dir cannot change it (see meerkat train --help)\n',
    );
  });

  it('status listens 3 s and report writes report.html unless told otherwise', () => {
    expect(
      parseCommandLine(statusCommand.spec, ['--nats', 'u', '--run', 'r']).number('listen'),
    ).toBe(3);
    expect(parseCommandLine(reportCommand.spec, ['d']).string('out')).toBe('report.html');
    expect(
      usageError(statusCommand.spec, ['--nats', 'u', '--run', 'r', '--listen', '61']).message,
    ).toBe('--listen must be a number from 0 to 60, got "61"');
  });

  it('requires exactly the flags a command cannot run without, and says so in --help', async () => {
    const required = Object.fromEntries(
      COMMANDS.map((c) => [
        c.spec.name,
        c.spec.flags.filter((f) => f.type !== 'boolean' && f.required === true).map((f) => f.name),
      ]),
    );
    expect(required).toEqual({
      demo: [],
      calibrate: ['model'],
      train: [],
      eval: ['theta'],
      report: [],
      experiment: [],
      'nats-init': ['run', 'clients'],
      serve: ['nats', 'config'],
      join: ['nats', 'run', 'client-id'],
      status: ['nats', 'run'],
    });
    for (const command of COMMANDS) {
      const { out } = await run(['help', command.spec.name]);
      const usage = out.split('\n')[0] as string;
      for (const name of required[command.spec.name] ?? []) {
        expect(helpLine(out, name)).toContain('(required)');
        expect(usage).toMatch(new RegExp(` --${name} [A-Z]`));
        expect(usage).not.toContain(`[--${name} `);
      }
    }
    const missing = await run(['join', '--nats', 'nats://x', '--run', 'r']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /^meerkat join: join needs --client-id ID \(.*\) \(see meerkat join --help\)\n$/,
    );
  });

  it('a bad value for a real flag is one line on stderr, exit 2, saying what is allowed', async () => {
    const cases: [string[], string][] = [
      [
        ['calibrate', '--model', 'm', '--density', 'lots'],
        '--density must be a number > 0 and ≤ 1, got "lots"',
      ],
      [
        ['calibrate', '--model', 'm', '--density', '1.5'],
        '--density must be a number > 0 and ≤ 1, got "1.5"',
      ],
      [
        ['calibrate', '--model', 'm', '--batches', '2.5'],
        '--batches must be an integer ≥ 1, got "2.5"',
      ],
      [
        ['calibrate', '--model', 'm', '--batches', '0'],
        '--batches must be an integer ≥ 1, got "0"',
      ],
      [
        ['calibrate', '--model', 'm', '--seq-len', '1'],
        '--seq-len must be an integer ≥ 2, got "1"',
      ],
      [['calibrate', '--model', 'm', '--seed', '-1'], '--seed must be an integer ≥ 0, got "-1"'],
      [
        ['calibrate', '--model', 'm', '--scope', 'local'],
        '--scope must be one of global, per-tensor, got "local"',
      ],
      [['demo', '--rounds', '1'], '--rounds must be an integer ≥ 2, got "1"'],
      [
        ['experiment', 'x.json', '--parallel', '17'],
        '--parallel must be an integer from 1 to 16, got "17"',
      ],
      [['eval', '--theta', 't.bin', '--model', ''], '--model must be a non-empty MODEL, got ""'],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(`meerkat ${argv[0]}: ${message} (see meerkat ${argv[0]} --help)\n`);
    }
  });

  it('rejects repeated flags, values on switches, missing values and stray arguments', () => {
    const cases: [CommandSpec, string[], string, string][] = [
      [
        calibrateCommand.spec,
        ['--model', 'a', '--model', 'b'],
        'CLI_REPEATED_FLAG',
        '--model is given twice',
      ],
      [
        calibrateCommand.spec,
        ['--model', 'a', '--json=yes'],
        'CLI_UNEXPECTED_ARGUMENT',
        '--json is a switch and takes no value, got "yes"',
      ],
      [
        calibrateCommand.spec,
        ['--model', '--json'],
        'CLI_MISSING_VALUE',
        '--model needs a value: a MODEL',
      ],
      [
        trainCommand.spec,
        ['run.json'],
        'CLI_UNEXPECTED_ARGUMENT',
        'unexpected argument "run.json"; train takes only --flags (--config, --resume, --run-dir, --backend, --json, --quiet)',
      ],
      [
        reportCommand.spec,
        ['--outt', 'x'],
        'CLI_UNKNOWN_FLAG',
        'unknown flag --outt for report; allowed: --out, --title',
      ],
    ];
    for (const [spec, argv, code, message] of cases) {
      const e = usageError(spec, argv);
      expect([e.code, e.message], argv.join(' ')).toEqual([code, message]);
    }
  });

  it('report needs a RUN_DIR, takes many, and reads everything after -- as one', () => {
    const e = usageError(reportCommand.spec, ['--out', 'r.html']);
    expect(e.code).toBe('CLI_MISSING_ARGUMENT');
    expect(e.message).toMatch(/^report needs RUN_DIR \(/);
    expect(parseCommandLine(reportCommand.spec, ['a', 'b', 'c']).positionals).toEqual([
      'a',
      'b',
      'c',
    ]);
    const dashed = parseCommandLine(reportCommand.spec, ['a', '--', '--out']);
    expect(dashed.positionals).toEqual(['a', '--out']);
    expect(dashed.given('out')).toBe(false);
  });

  it('--help wins over bad flags and prints the command help on stdout', async () => {
    const r = await run(['calibrate', '--density', 'lots', '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('Usage: meerkat calibrate');
    expect(r.out).toContain('Example: meerkat calibrate --model stories15M');
  });

  it('experiment refuses --mask-cache with --no-mask-cache before reading the file', async () => {
    const r = await run(['experiment', 'missing.json', '--mask-cache', 'c', '--no-mask-cache']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'meerkat experiment: --mask-cache DIR and --no-mask-cache exclude each other; give one (see meerkat experiment --help)\n',
    );
  });
});
