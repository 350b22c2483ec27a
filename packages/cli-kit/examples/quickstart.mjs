// A two-command CLI on @meerkat/cli-kit, run in process on a few command lines: what each prints
// on stdout and stderr, and its exit code (0 ok, 1 run failed, 2 bad command line).
// Run: npm run build && node examples/quickstart.mjs
import { CliUsageError, captureIo, EXIT_FAILURE, EXIT_OK, runProgram } from '../dist/index.js';

class TallyError extends Error {
  code = 'TALLY_EMPTY';
}

/** @type {import('../dist/index.js').CliProgram} */
const tally = {
  name: 'tally',
  summary: 'Adds numbers.',
  commands: [
    {
      spec: {
        name: 'sum',
        summary: 'Print the sum of the numbers given with --n (repeatable).',
        positionals: [{ name: 'LABEL', description: 'printed before the sum' }],
        flags: [
          { name: 'n', type: 'number', multiple: true, description: 'a number to add' },
          { name: 'digits', type: 'integer', min: 0, max: 10, default: 2, description: 'decimals' },
          { name: 'unit', type: 'choice', choices: ['m', 'km'], default: 'm', description: 'unit' },
          { name: 'json', type: 'boolean', description: 'print JSON' },
        ],
        details: ['Example: tally sum total --n 1.5 --n -0.25'],
      },
      async run(args, io) {
        const ns = args.numbers('n');
        if (ns.length === 0) throw new TallyError('nothing to add: give --n at least once');
        if (args.string('unit') === 'km' && args.given('digits') === false) {
          throw new CliUsageError('CLI_CONFLICTING_FLAGS', '--unit km needs --digits too');
        }
        const sum = ns.reduce((a, b) => a + b, 0).toFixed(args.number('digits'));
        const label = args.positionals[0] ?? 'sum';
        io.stdout.write(
          args.boolean('json')
            ? `${JSON.stringify({ label, sum })}\n`
            : `${label}: ${sum} ${args.string('unit')}\n`,
        );
        return EXIT_OK;
      },
    },
  ],
  describeError: (error) =>
    error instanceof TallyError
      ? { code: error.code, message: error.message, exitCode: EXIT_FAILURE }
      : undefined,
};

const lines = [
  ['sum', 'total', '--n', '1.5', '--n=-0.25'],
  ['sum', '--n', '2', '--json'],
  ['sum', '--n', 'two'],
  ['sum', '--n', '1', '--unit', 'km'],
  ['sum'],
  ['help', 'sum'],
];
const expected = [0, 0, 2, 2, 1, 0];
let ok = true;
for (const [i, argv] of lines.entries()) {
  const io = captureIo();
  const code = await runProgram(tally, argv, io);
  console.log(`$ tally ${argv.join(' ')}   # exit ${code}`);
  if (io.out() !== '') console.log(io.out().trimEnd());
  if (io.err() !== '') console.log(`[stderr] ${io.err().trimEnd()}`);
  console.log('');
  ok &&= code === expected[i];
}
if (!ok) {
  console.log('unexpected exit code');
  process.exit(1);
}
