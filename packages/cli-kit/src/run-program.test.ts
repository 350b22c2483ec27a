import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import type { CliIo } from './cli-io.js';
import { CliUsageError } from './cli-usage-error.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { type CliProgram, runProgram } from './run-program.js';

class AppError extends Error {
  readonly code: 'APP_BROKEN' | 'APP_BAD_INPUT';
  constructor(code: 'APP_BROKEN' | 'APP_BAD_INPUT', message: string) {
    super(message);
    this.code = code;
  }
}

interface AppIo extends CliIo {
  readonly cwd: string;
}

const program: CliProgram<AppIo> = {
  name: 'app',
  summary: 'An app.',
  commands: [
    {
      spec: {
        name: 'greet',
        summary: 'Say hello.',
        positionals: [{ name: 'WHO', description: 'who', required: true }],
        flags: [{ name: 'times', type: 'integer', min: 1, default: 1, description: 'how often' }],
      },
      async run(args, io) {
        for (let i = 0; i < args.number('times'); i++)
          io.stdout.write(`hello ${args.positionals[0]} in ${io.cwd}\n`);
        return EXIT_OK;
      },
    },
    {
      spec: {
        name: 'fail',
        summary: 'Fail on purpose.',
        flags: [
          {
            name: 'how',
            type: 'choice',
            choices: ['app', 'input', 'usage', 'bug', 'code'],
            required: true,
            description: 'how',
          },
        ],
      },
      async run(args) {
        switch (args.string('how')) {
          case 'app':
            throw new AppError('APP_BROKEN', 'the widget broke');
          case 'input':
            throw new AppError('APP_BAD_INPUT', 'config has 2 problems:');
          case 'usage':
            throw new CliUsageError('CLI_CONFLICTING_FLAGS', 'give one of --a or --b', {
              details: ['--a: x', '--b: y'],
            });
          case 'code':
            return EXIT_FAILURE;
          default:
            throw new TypeError('a bug');
        }
      },
    },
  ],
  describeError(error) {
    if (!(error instanceof AppError)) return undefined;
    return error.code === 'APP_BAD_INPUT'
      ? {
          code: error.code,
          message: error.message,
          details: ['a: missing', 'b: too small'],
          exitCode: EXIT_USAGE,
        }
      : { code: error.code, message: error.message, exitCode: EXIT_FAILURE };
  },
};

async function run(...argv: string[]) {
  const io = { ...captureIo(), cwd: '/here' };
  const code = await runProgram(program, argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('runProgram', () => {
  it("runs a command with the program's own io and returns its exit code", async () => {
    expect(await run('greet', 'you', '--times', '2')).toEqual({
      code: 0,
      out: 'hello you in /here\nhello you in /here\n',
      err: '',
    });
    expect(await run('fail', '--how', 'code')).toEqual({ code: 1, out: '', err: '' });
  });

  it('no command: the program help on stderr, exit 2; --help, -h and help: on stdout, exit 0', async () => {
    const none = await run();
    expect([none.code, none.out]).toEqual([EXIT_USAGE, '']);
    expect(none.err).toMatch(/^Usage: app <command> \[--flags\]\n/);
    expect(none.err).toContain('  greet  Say hello.\n  fail   Fail on purpose.\n');
    for (const word of ['--help', '-h', 'help']) {
      expect(await run(word)).toEqual({ code: 0, out: none.err, err: '' });
    }
  });

  it('help NAME and NAME --help print the command help on stdout, exit 0, even past bad flags', async () => {
    const a = await run('help', 'greet');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^Usage: app greet WHO \[--times N\]\n/);
    expect(await run('greet', '--bogus', '--help')).toEqual(a);
    expect(await run('greet', '-h')).toEqual(a);
  });

  it('a usage error is exit 2, nothing on stdout, one line naming the --help to read', async () => {
    expect(await run('greet', 'you', '--times', '0')).toEqual({
      code: 2,
      out: '',
      err: 'app greet: --times must be an integer ≥ 1, got "0" (see app greet --help)\n',
    });
    expect((await run('greet')).err).toBe(
      'app greet: greet needs WHO (who) (see app greet --help)\n',
    );
    expect(await run('grete', 'you')).toEqual({
      code: 2,
      out: '',
      err: 'app: unknown command "grete"; commands: greet, fail (see app --help)\n',
    });
    expect((await run('help', 'grete')).code).toBe(2);
    expect((await run('--json')).err).toMatch(/^app: unknown command "--json"/);
  });

  it('a usage error a command throws prints its details, one per line', async () => {
    expect(await run('fail', '--how', 'usage')).toEqual({
      code: 2,
      out: '',
      err: 'app fail: give one of --a or --b (see app fail --help)\n  --a: x\n  --b: y\n',
    });
  });

  it("reports the program's own errors as described: code, message, details, exit 1 or 2", async () => {
    expect(await run('fail', '--how', 'app')).toEqual({
      code: 1,
      out: '',
      err: 'app fail: APP_BROKEN: the widget broke\n',
    });
    expect(await run('fail', '--how', 'input')).toEqual({
      code: 2,
      out: '',
      err: 'app fail: APP_BAD_INPUT: config has 2 problems:\n  a: missing\n  b: too small\n',
    });
  });

  it('rethrows an error it is not told how to report (a bug), and without describeError every one', async () => {
    await expect(run('fail', '--how', 'bug')).rejects.toThrowError(TypeError);
    const bare: CliProgram = { ...program, describeError: undefined } as unknown as CliProgram;
    await expect(runProgram(bare, ['fail', '--how', 'app'], captureIo())).rejects.toThrowError(
      'the widget broke',
    );
  });
});
