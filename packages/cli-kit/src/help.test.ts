import { describe, expect, it } from 'vitest';
import type { CommandSpec } from './flag-spec.js';
import { formatCommandHelp, formatProgramHelp } from './help.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [
    { name: 'FILE', description: 'input file', required: true },
    { name: 'MORE', description: 'more files', variadic: true },
  ],
  flags: [
    { name: 'name', type: 'string', required: true, description: 'a name' },
    { name: 'count', type: 'integer', min: 1, default: 3, description: 'a count' },
    { name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'a', description: 'a mode' },
    {
      name: 'out',
      type: 'string',
      valueName: 'DIR',
      default: { text: () => '<cwd>/out' },
      description: 'where',
    },
    { name: 'tag', type: 'string', multiple: true, description: 'a tag' },
    { name: 'loud', type: 'boolean', description: 'a switch' },
  ],
  details: ['Example: prog demo in.txt --name x'],
};

describe('formatCommandHelp', () => {
  it('writes usage, arguments, every flag with its placeholder and notes, --help, then the details', () => {
    expect(formatCommandHelp('prog', spec)).toBe(
      [
        'Usage: prog demo FILE [MORE...] --name TEXT [--count N] [--mode a|b] [--out DIR] [--tag TEXT]... [--loud]',
        '',
        'A demo command.',
        '',
        'Arguments:',
        '  FILE          input file',
        '  MORE          more files',
        '',
        'Flags:',
        '  --name TEXT   a name (required)',
        '  --count N     a count (default 3)',
        '  --mode a|b    a mode (default a)',
        '  --out DIR     where (default <cwd>/out)',
        '  --tag TEXT    a tag (repeatable)',
        '  --loud        a switch',
        '  --help        Print this help.',
        '',
        'Example: prog demo in.txt --name x',
        '',
      ].join('\n'),
    );
  });

  it('evaluates a lazy default each time the help is made', () => {
    let steps = 10;
    const lazy: CommandSpec = {
      name: 'train',
      summary: 'Train.',
      flags: [{ name: 'steps', type: 'integer', default: () => steps, description: 'steps' }],
    };
    expect(formatCommandHelp('p', lazy)).toContain('--steps N   steps (default 10)');
    steps = 12;
    expect(formatCommandHelp('p', lazy)).toContain('--steps N   steps (default 12)');
  });

  it('pads to the widest of the flags, the arguments and --help', () => {
    const tiny: CommandSpec = {
      name: 't',
      summary: 'T.',
      flags: [{ name: 'x', type: 'boolean', description: 'x' }],
    };
    expect(formatCommandHelp('p', tiny)).toBe(
      'Usage: p t [--x]\n\nT.\n\nFlags:\n  --x      x\n  --help   Print this help.\n',
    );
  });
});

describe('formatProgramHelp', () => {
  it('lists the commands by brief (or summary) and states the exit codes', () => {
    const help = formatProgramHelp({
      name: 'prog',
      summary: 'Does things.\nTwo lines.',
      commands: [
        {
          spec: { name: 'demo', summary: 'A long summary. With more.', brief: 'A demo', flags: [] },
        },
        { spec: { name: 'go', summary: 'Go.', flags: [] } },
      ],
      footer: ['Progress goes to stderr.'],
    });
    expect(help).toBe(
      [
        'Usage: prog <command> [--flags]',
        '',
        'Does things.',
        'Two lines.',
        '',
        'Commands:',
        '  demo  A demo',
        '  go    Go.',
        '',
        "Run 'prog <command> --help' for a command's flags. Exit codes: 0 ok, 1 run failed, 2 bad command line.",
        'Progress goes to stderr.',
        '',
      ].join('\n'),
    );
  });
});
