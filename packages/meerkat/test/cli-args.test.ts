import { describe, expect, it } from 'vitest';
import { type CommandSpec, formatCommandHelp, parseArgs } from '../src/cli/args.js';
import { CliError } from '../src/cli/cli-error.js';

const spec: CommandSpec = {
  name: 'calibrate',
  summary: 'Test command.',
  positionals: [{ name: 'FILE', description: 'a file' }],
  flags: [
    { name: 'model', type: 'string', value: 'DIR', description: 'model directory' },
    { name: 'density', type: 'number', greaterThan: 0, max: 1, description: 'fraction' },
    { name: 'batches', type: 'integer', min: 1, description: 'count' },
    { name: 'shift', type: 'number', description: 'any number' },
    { name: 'scope', type: 'string', choices: ['global', 'per-tensor'], description: 'scope' },
    { name: 'json', type: 'boolean', description: 'JSON output' },
  ],
};

function failure(argv: string[]): CliError {
  try {
    parseArgs(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error(`parseArgs(${argv.join(' ')}) did not throw`);
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, switches, negative numbers and positionals', () => {
    const args = parseArgs(spec, [
      'in.txt',
      '--model',
      'models/x',
      '--density=1e-3',
      '--batches',
      '8',
      '--shift',
      '-0.5',
      '--json',
    ]);
    expect(args.positionals).toEqual(['in.txt']);
    expect(args.string('model')).toBe('models/x');
    expect(args.number('density')).toBe(0.001);
    expect(args.number('batches')).toBe(8);
    expect(args.number('shift')).toBe(-0.5);
    expect(args.flag('json')).toBe(true);
    expect(args.flag('scope')).toBe(false);
    expect(args.has('scope')).toBe(false);
    expect(args.help).toBe(false);
  });

  it('treats everything after -- as positional', () => {
    const args = parseArgs(spec, ['--', '--model']);
    expect(args.positionals).toEqual(['--model']);
    expect(args.has('model')).toBe(false);
  });

  it('names the unknown flag and lists the allowed ones', () => {
    const e = failure(['--densty', '0.1']);
    expect(e.code).toBe('CLI_UNKNOWN_FLAG');
    expect(e.message).toContain("'--densty'");
    expect(e.message).toContain('--density');
    expect(e.message).toContain('--help');
  });

  it('rejects a missing value, naming the flag and its kind', () => {
    const e = failure(['--model']);
    expect(e.code).toBe('CLI_MISSING_VALUE');
    expect(e.message).toBe('meerkat calibrate: --model needs a value (DIR)');
    expect(failure(['--model', '--json']).code).toBe('CLI_MISSING_VALUE');
  });

  it('rejects numbers that do not parse or are out of range, saying what is allowed', () => {
    const bad = failure(['--density', 'lots']);
    expect(bad.code).toBe('CLI_INVALID_VALUE');
    expect(bad.message).toBe(
      "meerkat calibrate: --density 'lots' is not a finite number > 0 and ≤ 1",
    );
    const range = failure(['--density', '0']);
    expect(range.message).toContain('--density 0 is out of range');
    expect(range.message).toContain('> 0 and ≤ 1');
    expect(failure(['--density', '1.5']).code).toBe('CLI_INVALID_VALUE');
    expect(failure(['--batches', '2.5']).message).toContain('is not an integer ≥ 1');
    expect(failure(['--batches', '0']).message).toContain('out of range');
    expect(failure(['--batches', '']).code).toBe('CLI_INVALID_VALUE');
  });

  it('rejects a value outside the choices and lists them', () => {
    const e = failure(['--scope', 'local']);
    expect(e.message).toBe(
      "meerkat calibrate: --scope 'local' is not allowed; use one of global, per-tensor",
    );
  });

  it('rejects repeated flags, values on switches and extra positionals', () => {
    expect(failure(['--model', 'a', '--model', 'b']).message).toContain('--model given twice');
    expect(failure(['--json=yes']).message).toContain('--json is a switch');
    const extra = failure(['a.txt', 'b.txt']);
    expect(extra.code).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(extra.message).toContain("'b.txt'");
  });

  it('requires required positionals unless help is asked for', () => {
    const withRequired: CommandSpec = {
      ...spec,
      positionals: [{ name: 'RUN_DIR', description: 'a run', required: true, variadic: true }],
    };
    expect(() => parseArgs(withRequired, [])).toThrowError(/missing RUN_DIR/);
    expect(parseArgs(withRequired, ['--help']).help).toBe(true);
    expect(parseArgs(withRequired, ['a', 'b', 'c']).positionals).toEqual(['a', 'b', 'c']);
  });

  it('requireString names the missing flag', () => {
    const args = parseArgs(spec, []);
    expect(() => args.requireString('model')).toThrowError(
      'meerkat calibrate: --model is required (see meerkat calibrate --help)',
    );
  });

  it('prints every flag, its placeholder and choices in the help', () => {
    const help = formatCommandHelp(spec);
    expect(help).toContain('Usage: meerkat calibrate [FILE] [options]');
    for (const f of spec.flags) expect(help).toContain(`--${f.name}`);
    expect(help).toContain('--model DIR');
    expect(help).toContain('(one of: global, per-tensor)');
    expect(help).toContain('-h, --help');
  });
});
