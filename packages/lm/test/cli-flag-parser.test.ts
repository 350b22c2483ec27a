import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../src/cli/cli-usage-error.js';
import { type CommandSpec, commandHelp, parseFlags } from '../src/cli/flag-parser.js';
import { LmError } from '../src/errors.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  flags: [
    { name: 'name', kind: 'string', required: true, description: 'a name' },
    { name: 'count', kind: 'integer', min: 1, max: 9, default: 3, description: 'a count' },
    { name: 'rate', kind: 'number', min: 0, description: 'a rate' },
    { name: 'mode', kind: 'choice', choices: ['a', 'b'], default: 'a', description: 'a mode' },
    { name: 'loud', kind: 'switch', description: 'a switch' },
  ],
};

function usage(argv: string[]): CliUsageError {
  try {
    parseFlags(spec, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(CliUsageError);
    expect(e).toBeInstanceOf(LmError);
    expect((e as LmError).code).toBe('LM_INVALID_ARGUMENT');
    expect((e as CliUsageError).command).toBe('demo');
    return e as CliUsageError;
  }
  throw new Error(`expected a CliUsageError for ${argv.join(' ')}`);
}

describe('parseFlags', () => {
  it('reads --flag value and --flag=value, applies defaults, and types values', () => {
    const f = parseFlags(spec, ['--name', 'x y', '--rate=0.25', '--loud', '--mode=b']);
    expect(f.string('name')).toBe('x y');
    expect(f.number('count')).toBe(3);
    expect(f.number('rate')).toBe(0.25);
    expect(f.string('mode')).toBe('b');
    expect(f.switch('loud')).toBe(true);
    const g = parseFlags(spec, ['--name=--dashes', '--count', '9']);
    expect(g.string('name')).toBe('--dashes');
    expect(g.number('count')).toBe(9);
    expect(g.switch('loud')).toBe(false);
    expect(g.has('rate')).toBe(false);
    expect(g.optionalString('rate')).toBeUndefined();
    // a value may start with a single dash
    expect(parseFlags(spec, ['--name', '-x']).string('name')).toBe('-x');
    expect(parseFlags(spec, ['--name', '']).string('name')).toBe('');
  });

  it('says which rule was broken, naming the flag and what it allows', () => {
    expect(usage(['--count', '3']).usageCode).toBe('CLI_MISSING_FLAG');
    expect(usage(['--name', 'a', '--count', '10']).message).toBe(
      '--count must be an integer from 1 to 9, got "10"',
    );
    expect(usage(['--name', 'a', '--count', '0x3']).usageCode).toBe('CLI_BAD_NUMBER');
    expect(usage(['--name', 'a', '--count', ' 3']).usageCode).toBe('CLI_BAD_NUMBER');
    expect(usage(['--name', 'a', '--count', '2e0']).usageCode).toBe('CLI_BAD_NUMBER');
    expect(usage(['--name', 'a', '--rate', '1e400']).usageCode).toBe('CLI_BAD_NUMBER');
    expect(parseFlags(spec, ['--name', 'a', '--rate', '2.5e-3']).number('rate')).toBe(0.0025);
    expect(parseFlags(spec, ['--name', 'a', '--rate', '.5']).number('rate')).toBe(0.5);
    expect(parseFlags(spec, ['--name', 'a', '--count', '+4']).number('count')).toBe(4);
    expect(usage(['--name', 'a', '--rate', 'NaN']).message).toBe(
      '--rate must be a number ≥ 0, got "NaN"',
    );
    expect(usage(['--name', 'a', '--rate', 'Infinity']).usageCode).toBe('CLI_BAD_NUMBER');
    expect(usage(['--name', 'a', '--mode', 'c']).message).toBe(
      '--mode must be one of a, b, got "c"',
    );
    expect(usage(['--name', '--loud']).usageCode).toBe('CLI_MISSING_VALUE');
    expect(usage(['--name']).message).toBe('--name needs a value: a TEXT');
    expect(usage(['--name', 'a', '--name', 'b']).usageCode).toBe('CLI_REPEATED_FLAG');
    expect(usage(['--name', 'a', '--loud=1']).usageCode).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(usage(['--name', 'a', 'extra']).usageCode).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(usage(['--name', 'a', '--']).usageCode).toBe('CLI_UNEXPECTED_ARGUMENT');
    expect(usage(['--nam', 'a']).message).toContain(
      'unknown flag --nam for demo; allowed: --name, --count, --rate, --mode, --loud',
    );
  });

  it('help lists every flag with its placeholder, default and requiredness', () => {
    const help = commandHelp('prog', spec);
    expect(help).toContain(
      'Usage: prog demo --name TEXT [--count N] [--rate N] [--mode a|b] [--loud]',
    );
    expect(help).toMatch(/--count N\s+a count \(default 3\)/);
    expect(help).toMatch(/--name TEXT\s+a name \(required\)/);
    expect(help).toContain('--help');
  });
});
