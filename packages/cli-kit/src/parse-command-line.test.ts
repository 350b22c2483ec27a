import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-usage-error.js';
import type { CommandSpec } from './flag-spec.js';
import { asksForHelp, parseCommandLine } from './parse-command-line.js';

let lazyCalls = 0;

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [{ name: 'FILE', description: 'a file' }],
  flags: [
    { name: 'name', type: 'string', required: true, description: 'a name' },
    { name: 'count', type: 'integer', min: 1, max: 9, default: 3, description: 'a count' },
    { name: 'rate', type: 'number', greaterThan: 0, max: 1, description: 'a rate' },
    { name: 'shift', type: 'number', description: 'any number' },
    { name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'a', description: 'a mode' },
    { name: 'tag', type: 'string', multiple: true, description: 'a tag' },
    { name: 'seed', type: 'integer', multiple: true, default: 7, description: 'seeds' },
    {
      name: 'steps',
      type: 'integer',
      default: () => {
        lazyCalls++;
        return 20;
      },
      description: 'read from a schema',
    },
    { name: 'out', type: 'string', default: { text: 'the config file' }, description: 'out' },
    { name: 'text', type: 'string', allowEmpty: true, description: 'may be empty' },
    { name: 'loud', type: 'boolean', description: 'a switch' },
  ],
};

/** The error parsing `argv` throws; it must be a usage error naming the command. */
function usage(argv: string[], s: CommandSpec = spec): CliUsageError {
  const error = catchError(() => parseCommandLine(s, argv));
  expect(error, JSON.stringify(argv)).toBeInstanceOf(CliUsageError);
  expect((error as CliUsageError).command).toBe(s.name);
  return error as CliUsageError;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const ok = (...argv: string[]) => parseCommandLine(spec, ['--name', 'n', ...argv]);

describe('parseCommandLine', () => {
  it('reads --flag value, --flag=value and booleans, types values, and applies defaults', () => {
    const a = parseCommandLine(spec, [
      'in.txt',
      '--name',
      'x y',
      '--rate=0.25',
      '--loud',
      '--mode=b',
    ]);
    expect(a.positionals).toEqual(['in.txt']);
    expect(a.string('name')).toBe('x y');
    expect(a.number('rate')).toBe(0.25);
    expect(a.string('mode')).toBe('b');
    expect(a.boolean('loud')).toBe(true);
    expect(a.number('count')).toBe(3);
    expect(a.given('count')).toBe(false);
    expect(a.has('count')).toBe(true);
    expect(a.given('rate')).toBe(true);
    expect(a.has('shift')).toBe(false);
    expect(a.optionalNumber('shift')).toBeUndefined();
    expect(a.help).toBe(false);
    const b = parseCommandLine(spec, ['--name=--dashes', '--count', '9']);
    expect(b.string('name')).toBe('--dashes');
    expect(b.number('count')).toBe(9);
    expect(b.boolean('loud')).toBe(false);
    expect(b.has('loud')).toBe(false);
    expect(b.positionals).toEqual([]);
  });

  it('takes a word starting with one dash as a value, and numbers like -5 as bare arguments', () => {
    expect(ok('--shift', '-0.5').number('shift')).toBe(-0.5);
    expect(ok('--shift=-1e3').number('shift')).toBe(-1000);
    expect(parseCommandLine(spec, ['--name', '-x']).string('name')).toBe('-x');
    expect(parseCommandLine(spec, ['--name', '-']).string('name')).toBe('-');
    expect(ok('-5').positionals).toEqual(['-5']);
    expect(ok('-').positionals).toEqual(['-']);
  });

  it('reads plain decimal numbers exactly as Number() does, and rejects every other syntax', () => {
    for (const raw of ['12', '+4', '-0', '.5', '5.', '2.5e-3', '1E3', '0.1', '-7.25e+2']) {
      expect(ok('--shift', raw).number('shift'), raw).toBe(Number(raw));
    }
    for (const raw of [
      '0x10',
      ' 3',
      '3 ',
      '',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e400',
      '1,5',
      '1_000',
      '.',
      'e3',
      '1e',
    ]) {
      const e = usage(['--name', 'n', '--shift', raw]);
      expect(e.code, raw).toBe('CLI_INVALID_VALUE');
      expect(e.message).toBe(`--shift must be a number, got ${JSON.stringify(raw)}`);
    }
  });

  it('takes integers as signed digits within the safe range only', () => {
    expect(ok('--count', '+4').number('count')).toBe(4);
    expect(ok('--count', '09').number('count')).toBe(9);
    for (const raw of ['2e0', '1.0', '1.5', 'eight', '']) {
      expect(usage(['--name', 'n', '--count', raw]).message).toBe(
        `--count must be an integer from 1 to 9, got ${JSON.stringify(raw)}`,
      );
    }
    const big: CommandSpec = {
      name: 'big',
      summary: '',
      flags: [{ name: 'n', type: 'integer', description: '' }],
    };
    expect(parseCommandLine(big, ['--n', '9007199254740991']).number('n')).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(usage(['--n', '9007199254740993'], big).message).toBe(
      '--n must be an integer, got "9007199254740993"',
    );
    expect(parseCommandLine(big, ['--n', '-3']).number('n')).toBe(-3);
  });

  it('checks inclusive and exclusive bounds, and says them', () => {
    expect(usage(['--name', 'n', '--count', '10']).message).toBe(
      '--count must be an integer from 1 to 9, got "10"',
    );
    expect(usage(['--name', 'n', '--count', '0']).code).toBe('CLI_INVALID_VALUE');
    expect(ok('--count', '1').number('count')).toBe(1);
    expect(usage(['--name', 'n', '--rate', '0']).message).toBe(
      '--rate must be a number > 0 and ≤ 1, got "0"',
    );
    expect(ok('--rate', '1e-9').number('rate')).toBe(1e-9);
    expect(ok('--rate', '1').number('rate')).toBe(1);
    expect(usage(['--name', 'n', '--rate', '1.0000001']).code).toBe('CLI_INVALID_VALUE');
  });

  it('accepts only the listed choices', () => {
    expect(usage(['--name', 'n', '--mode', 'c']).message).toBe(
      '--mode must be one of a, b, got "c"',
    );
    expect(usage(['--name', 'n', '--mode', 'A']).code).toBe('CLI_INVALID_VALUE');
  });

  it('rejects an empty string unless the flag allows it', () => {
    const e = usage(['--name', '']);
    expect(e.code).toBe('CLI_INVALID_VALUE');
    expect(e.message).toBe('--name must be a non-empty TEXT, got ""');
    expect(ok('--text', '').string('text')).toBe('');
  });

  it('collects a multiple flag in order; absent, it is [] or [default]', () => {
    const a = ok('--tag', 'x', '--seed', '1', '--tag=y', '--seed=-2', '--tag', 'x');
    expect(a.strings('tag')).toEqual(['x', 'y', 'x']);
    expect(a.numbers('seed')).toEqual([1, -2]);
    const b = ok();
    expect(b.strings('tag')).toEqual([]);
    expect(b.numbers('seed')).toEqual([7]);
    expect(usage(['--name', 'n', '--seed', '1', '--seed', 'x']).message).toBe(
      '--seed must be an integer, got "x"',
    );
  });

  it('calls a lazy default once per parse, only when the flag is absent; a note is not applied', () => {
    lazyCalls = 0;
    expect(ok().number('steps')).toBe(20);
    expect(lazyCalls).toBe(1);
    expect(ok('--steps', '5').number('steps')).toBe(5);
    expect(lazyCalls).toBe(1);
    const a = ok();
    expect(a.has('out')).toBe(false);
    expect(a.optionalString('out')).toBeUndefined();
  });

  it('ends the flags at --: later words are bare arguments, even --flags and -h', () => {
    const a = parseCommandLine(spec, ['--name', 'n', '--', '--loud']);
    expect(a.positionals).toEqual(['--loud']);
    expect(a.boolean('loud')).toBe(false);
    expect(parseCommandLine(spec, ['--name', 'n', '--', '-h']).help).toBe(false);
    expect(parseCommandLine(spec, ['--name', 'n', '--']).positionals).toEqual([]);
  });

  it('says which rule was broken, naming the flag (first problem on the line wins)', () => {
    expect(usage(['--nam', 'a']).message).toBe(
      'unknown flag --nam for demo; allowed: --name, --count, --rate, --shift, --mode, --tag, --seed, --steps, --out, --text, --loud',
    );
    expect(usage(['--nam=a']).message).toMatch(/^unknown flag --nam for demo;/);
    expect(usage(['-x']).code).toBe('CLI_UNKNOWN_FLAG');
    expect(usage(['-x']).message).toMatch(/^unknown flag -x for demo;/);
    expect(usage(['--name']).message).toBe('--name needs a value: a TEXT');
    expect(usage(['--name', '--loud']).code).toBe('CLI_MISSING_VALUE');
    expect(usage(['--name', '--']).code).toBe('CLI_MISSING_VALUE');
    expect(usage(['--name', 'n', '--count']).message).toBe(
      '--count needs a value: an integer from 1 to 9',
    );
    const twice = usage(['--name', 'a', '--name', 'b']);
    expect([twice.code, twice.message]).toEqual(['CLI_REPEATED_FLAG', '--name is given twice']);
    expect(usage(['--name', 'a', '--loud', '--loud']).code).toBe('CLI_REPEATED_FLAG');
    const value = usage(['--name', 'a', '--loud=1']);
    expect([value.code, value.message]).toEqual([
      'CLI_UNEXPECTED_ARGUMENT',
      '--loud is a switch and takes no value, got "1"',
    ]);
    const extra = usage(['a.txt', 'b.txt', '--bogus']);
    expect(extra.code).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(extra.message).toMatch(
      /^unexpected argument "b\.txt"; demo takes FILE and --flags \(--name, /,
    );
    const missing = usage(['--count', '3']);
    expect([missing.code, missing.message]).toEqual([
      'CLI_MISSING_FLAG',
      'demo needs --name TEXT (a name)',
    ]);
  });

  it('requires required bare arguments; a variadic one takes the rest', () => {
    const s: CommandSpec = {
      name: 'report',
      summary: '',
      positionals: [{ name: 'RUN_DIR', description: 'a run', required: true, variadic: true }],
      flags: [],
    };
    const e = usage([], s);
    expect([e.code, e.message]).toEqual(['CLI_MISSING_ARGUMENT', 'report needs RUN_DIR (a run)']);
    expect(parseCommandLine(s, ['a', 'b', '--', '-c']).positionals).toEqual(['a', 'b', '-c']);
    expect(usage(['a', '--x'], s).message).toBe('unknown flag --x for report; it takes no flags');
    const none: CommandSpec = { name: 'none', summary: '', flags: [] };
    expect(usage(['a'], none).message).toBe('unexpected argument "a"; none takes no arguments');
  });

  it('lets --help or -h anywhere before -- win over every error', () => {
    expect(parseCommandLine(spec, ['--bogus', '--help']).help).toBe(true);
    expect(parseCommandLine(spec, ['-h']).help).toBe(true);
    expect(parseCommandLine(spec, ['--count', '-h']).help).toBe(true);
    expect(asksForHelp(['a', '--', '--help'])).toBe(false);
    expect(asksForHelp(['--help=1'])).toBe(false);
  });
});
