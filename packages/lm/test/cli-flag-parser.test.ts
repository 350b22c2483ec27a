import {
  CliUsageError,
  type CommandSpec,
  captureIo,
  formatCommandHelp,
  parseCommandLine,
} from '@meerkat/cli-kit';
import { TensorError } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { benchCommand } from '../src/cli/bench-command.js';
import { fetchCommand } from '../src/cli/fetch-command.js';
import { generateCommand } from '../src/cli/generate-command.js';
import { logitsCommand } from '../src/cli/logits-command.js';
import { LM_CLI } from '../src/cli/run-cli.js';
import { LmError } from '../src/errors.js';

// meerkat-lm's flags are parsed by @meerkat/cli-kit; these tests pin, on meerkat-lm's own command
// specs, the behaviour it relies on (values, codes, messages, defaults, help) and how its errors map
// to exit codes.

const BENCH = ['--config', 'm10', '--batch', '2', '--seq', '8'];

/**
 * The usage error `argv` gets from `spec`: cli-kit's `CliUsageError` with a `CLI_*` code, never an
 * `LmError` (runCli turns the first into exit 2 and the second into exit 1, so the two must not
 * overlap), naming the command whose --help to read.
 */
function usage(argv: string[], spec: CommandSpec = benchCommand.spec): CliUsageError {
  let thrown: unknown;
  try {
    parseCommandLine(spec, argv);
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof CliUsageError)) throw new Error(`no CliUsageError for ${argv.join(' ')}`);
  expect(thrown).not.toBeInstanceOf(LmError);
  expect(thrown.command).toBe(spec.name);
  return thrown;
}

describe('parseCommandLine on meerkat-lm specs', () => {
  it('reads --flag value and --flag=value, applies defaults, and types values', () => {
    const f = parseCommandLine(benchCommand.spec, [
      '--config=m30',
      '--batch',
      '4',
      '--seq=16',
      '--max-seconds',
      '0.25',
      '--quiet',
      '--logits=last',
    ]);
    expect(f.string('config')).toBe('m30');
    expect(f.number('batch')).toBe(4);
    expect(f.number('seq')).toBe(16);
    expect(f.number('max-seconds')).toBe(0.25);
    expect(f.boolean('quiet')).toBe(true);
    expect(f.string('logits')).toBe('last');
    expect(f.number('reps')).toBe(3);
    const g = parseCommandLine(benchCommand.spec, BENCH);
    expect(g.boolean('quiet')).toBe(false);
    expect(g.has('max-seconds')).toBe(false);
    expect(g.optionalNumber('max-seconds')).toBeUndefined();
    expect(g.optionalString('model')).toBeUndefined();
    // a value may start with a single dash, or with two in the --flag=value form
    const text = (t: string) =>
      parseCommandLine(generateCommand.spec, ['--model', 'm', t, '--max-new-tokens', '1']);
    expect(text('--text=--dashes').string('text')).toBe('--dashes');
    expect(
      parseCommandLine(logitsCommand.spec, ['--model', 'm', '--text', '-x']).string('text'),
    ).toBe('-x');
  });

  it('says which rule was broken, naming the flag and what it allows', () => {
    expect(usage(['--config', 'm10', '--seq', '8']).code).toBe('CLI_MISSING_FLAG');
    expect(usage([...BENCH, '--seed', '4294967296']).message).toBe(
      '--seed must be an integer from 0 to 4294967295, got "4294967296"',
    );
    for (const bad of ['0x3', ' 3', '2e0', '1.5', '']) {
      expect(usage(['--config', 'm10', '--seq', '8', '--batch', bad]).code, bad).toBe(
        'CLI_INVALID_VALUE',
      );
    }
    expect(
      parseCommandLine(benchCommand.spec, [
        '--config',
        'm10',
        '--seq',
        '8',
        '--batch',
        '+4',
      ]).number('batch'),
    ).toBe(4);
    const seconds = (raw: string) =>
      parseCommandLine(benchCommand.spec, [...BENCH, '--max-seconds', raw]);
    expect(seconds('2.5e-3').number('max-seconds')).toBe(0.0025);
    expect(seconds('.5').number('max-seconds')).toBe(0.5);
    expect(usage([...BENCH, '--max-seconds', 'NaN']).message).toBe(
      '--max-seconds must be a number ≥ 0, got "NaN"',
    );
    expect(usage([...BENCH, '--max-seconds', 'Infinity']).code).toBe('CLI_INVALID_VALUE');
    expect(usage([...BENCH, '--max-seconds', '1e400']).code).toBe('CLI_INVALID_VALUE');
    expect(usage([...BENCH, '--logits', 'first']).message).toBe(
      '--logits must be one of all, last, got "first"',
    );
    expect(usage(['--config', '--batch', '2', '--seq', '8']).code).toBe('CLI_MISSING_VALUE');
    expect(usage(['--config', 'm10', '--batch', '2', '--seq']).message).toBe(
      '--seq needs a value: an integer ≥ 1',
    );
    expect(usage([...BENCH, '--batch', '3']).code).toBe('CLI_REPEATED_FLAG');
    expect(usage([...BENCH, '--quiet=1']).code).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(usage([...BENCH, 'extra']).code).toBe('CLI_UNEXPECTED_ARGUMENT');
    // `--` ends the flags; what follows is a bare argument, which bench does not take
    expect(usage([...BENCH, '--', 'extra']).code).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(usage([...BENCH, '--batchh', '2']).message).toMatch(
      /^unknown flag --batchh for bench; allowed: --model, --config, --batch, --seq, /,
    );
  });

  it('help lists every flag with its placeholder, default and requiredness', () => {
    const help = formatCommandHelp('meerkat-lm', logitsCommand.spec);
    expect(help).toContain(
      'Usage: meerkat-lm logits --model MODEL --text TEXT [--backend NAME] [--json] [--top N]',
    );
    expect(help).toMatch(
      /--top N\s+how many of the largest logits the readable output lists \(default 10\)/,
    );
    expect(help).toMatch(/--text TEXT\s+the prompt; .* \(required\)/);
    expect(help).toContain('--help');
  });
});

describe("meerkat-lm's own specs and error mapping", () => {
  it('bench applies its documented defaults; logits takes an empty --text but not an empty --model', () => {
    const b = parseCommandLine(benchCommand.spec, [
      '--config',
      'm10',
      '--batch',
      '1',
      '--seq',
      '8',
    ]);
    expect([
      b.string('logits'),
      b.number('warmup'),
      b.number('reps'),
      b.number('seed'),
      b.string('backend'),
      b.boolean('quiet'),
      b.has('max-seconds'),
      b.has('model'),
    ]).toEqual(['all', 1, 3, 0, 'tfjs:auto', false, false, false]);
    expect(
      parseCommandLine(logitsCommand.spec, ['--model', 'm', '--text', '']).string('text'),
    ).toBe('');
    expect(usage(['--model', '', '--text', 'x'], logitsCommand.spec).code).toBe(
      'CLI_INVALID_VALUE',
    );
  });

  it('fetch needs its NAME and takes exactly one', () => {
    expect(usage([], fetchCommand.spec).message).toMatch(/^fetch needs NAME \(stories15M /);
    expect(usage(['a', 'b'], fetchCommand.spec).message).toBe(
      'unexpected argument "b"; fetch takes NAME and --flags (--json)',
    );
    expect(parseCommandLine(fetchCommand.spec, ['--', 'a']).positionals).toEqual(['a']);
  });

  it('reports LmErrors and TensorErrors as failed runs (exit 1) with their code; anything else is a bug', () => {
    const io = captureIo();
    expect(LM_CLI.describeError?.(new LmError('LM_INVALID_ARGUMENT', 'no tokens'), io)).toEqual({
      code: 'LM_INVALID_ARGUMENT',
      message: 'no tokens',
      exitCode: 1,
    });
    const tensor = new TensorError('TENSOR_BACKEND_UNAVAILABLE', 'no gpu');
    expect(LM_CLI.describeError?.(tensor, io)).toMatchObject({
      code: 'TENSOR_BACKEND_UNAVAILABLE',
      exitCode: 1,
    });
    expect(LM_CLI.describeError?.(new TypeError('bug'), io)).toBeUndefined();
  });
});
