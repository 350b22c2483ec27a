import { formatConfigIssue, MeerkatError, type MeerkatErrorCode } from '../errors.js';
import { formatCommandHelp, parseArgs } from './args.js';
import { CliError } from './cli-error.js';
import { type CliIo, processIo } from './cli-io.js';
import type { CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';

/** Exit status of a wrong command line or bad input (a usage error, a config error). */
export const EXIT_USAGE = 2;
/** Exit status of a failure while running (I/O, a backend, a bug). */
export const EXIT_FAILURE = 1;

/** Library errors caused by what the user passed, reported like usage errors (exit 2). */
const INPUT_ERROR_CODES: ReadonlySet<MeerkatErrorCode> = new Set([
  'MEERKAT_CONFIG_INVALID',
  'MEERKAT_DATA_INVALID',
  'MEERKAT_FILE_NOT_FOUND',
  'MEERKAT_MASK_MISMATCH',
  'MEERKAT_BACKEND_UNSUPPORTED',
  'MEERKAT_CHECKPOINT_INVALID',
]);

function mainHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  const lines = [
    'Usage: meerkat <command> [arguments] [options]',
    '',
    'Federated fine-tuning of LLMs with sparse zeroth-order optimisation (Meerkat, Meerkat-vp).',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${firstSentence(c.spec.summary)}`),
    '',
    'Run `meerkat <command> --help` for its options. Progress goes to stderr, results to stdout.',
    'Exit status: 0 success, 2 bad command line or input, 1 failure while running.',
  ];
  return `${lines.join('\n')}\n`;
}

function firstSentence(text: string): string {
  const end = text.search(/[.:](\s|$)/);
  return end === -1 ? text : text.slice(0, end);
}

/** Prints an error as one line (plus one line per config issue) and picks the exit status. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.stderr.write(`error: ${error.message}\n`);
    for (const line of error.details) io.stderr.write(`  ${line}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof MeerkatError) {
    // A config error's message repeats its issues; print the headline, then one issue a line.
    const headline = error.issues.length > 0 ? error.message.split('\n')[0] : error.message;
    io.stderr.write(`error [${error.code}]: ${headline}\n`);
    for (const issue of error.issues) io.stderr.write(`  ${formatConfigIssue(issue)}\n`);
    return INPUT_ERROR_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  io.stderr.write(`error${typeof code === 'string' ? ` [${code}]` : ''}: ${err.message}\n`);
  if (io.env.MEERKAT_DEBUG !== undefined && err.stack !== undefined) {
    io.stderr.write(`${err.stack}\n`);
  }
  return EXIT_FAILURE;
}

/**
 * Runs `meerkat <argv…>` in this process and returns the exit status. `argv` excludes the node
 * binary and script (`process.argv.slice(2)`). Nothing here calls `process.exit`, so tests run
 * commands with an in-memory `io`.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo(),
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.spec.name === rest[0]) : undefined;
    io.stdout.write(topic === undefined ? mainHelp(commands) : formatCommandHelp(topic.spec));
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (command === undefined) {
    io.stderr.write(
      `error: unknown command '${name}'; use one of ${commands.map((c) => c.spec.name).join(', ')} (meerkat --help)\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.stdout.write(formatCommandHelp(command.spec));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    return reportError(error, io);
  }
}
