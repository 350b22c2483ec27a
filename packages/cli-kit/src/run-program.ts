import type { CliIo, TextSink } from './cli-io.js';
import { CliUsageError } from './cli-usage-error.js';
import { type EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CommandSpec, ProgramSpec } from './flag-spec.js';
import { formatCommandHelp, formatProgramHelp } from './help.js';
import { parseCommandLine } from './parse-command-line.js';
import type { ParsedArgs } from './parsed-args.js';

/** One command of a program: its spec (flags, help) and what it does. */
export interface CliCommand<Io extends CliIo = CliIo> {
  readonly spec: CommandSpec;
  /**
   * Runs the command on its parsed command line; returns the exit code (`EXIT_OK`). It throws a
   * `CliUsageError` for rules only it knows; any other error goes to the program's `describeError`.
   */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** How `runProgram` reports an error that is not a `CliUsageError`. */
export interface ErrorReport {
  /** The error's stable code, printed before the message (`LM_FILE_NOT_FOUND: …`). */
  readonly code?: string;
  /** One line. */
  readonly message: string;
  /** Lines printed after the message, indented (one per config issue, a stack). */
  readonly details?: readonly string[];
  /** `EXIT_FAILURE` for a failed run, `EXIT_USAGE` for input the program counts as the user's. */
  readonly exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE;
}

/** A whole executable: its name, help texts, commands and how its own errors are reported. */
export interface CliProgram<Io extends CliIo = CliIo> extends ProgramSpec {
  readonly commands: readonly CliCommand<Io>[];
  /**
   * Reports an error a command threw that is not a `CliUsageError` (the program's typed errors);
   * undefined rethrows it (a bug: Node prints the stack). Without it every such error is rethrown.
   */
  readonly describeError?: (error: unknown, io: Io) => ErrorReport | undefined;
}

function findCommand<Io extends CliIo>(program: CliProgram<Io>, name: string): CliCommand<Io> {
  const command = program.commands.find((c) => c.spec.name === name);
  if (command === undefined) {
    throw new CliUsageError(
      'CLI_UNKNOWN_COMMAND',
      `unknown command ${JSON.stringify(name)}; commands: ${program.commands.map((c) => c.spec.name).join(', ')}`,
    );
  }
  return command;
}

function writeLines(sink: TextSink, first: string, details: readonly string[]): void {
  sink.write(`${[first, ...details.map((d) => `  ${d}`)].join('\n')}\n`);
}

function reportError<Io extends CliIo>(
  program: CliProgram<Io>,
  running: string | null,
  error: unknown,
  io: Io,
): number {
  const where = running === null ? program.name : `${program.name} ${running}`;
  if (error instanceof CliUsageError) {
    const topic = error.command ?? running;
    const help = topic === null ? `${program.name} --help` : `${program.name} ${topic} --help`;
    writeLines(io.stderr, `${where}: ${error.message} (see ${help})`, error.details);
    return EXIT_USAGE;
  }
  const report = program.describeError?.(error, io);
  if (report === undefined) throw error;
  const code = report.code === undefined ? '' : `${report.code}: `;
  writeLines(io.stderr, `${where}: ${code}${report.message}`, report.details ?? []);
  return report.exitCode;
}

/**
 * Runs `program` in-process on `argv` (the words after the executable's name) and returns the exit
 * code; it never calls `process.exit`. No command prints the program's help on stderr (exit 2);
 * `--help`, `-h` and `help` print it on stdout (exit 0); `help NAME` and `NAME --help` print the
 * command's help. A `CliUsageError` becomes one line on stderr, `PROGRAM COMMAND: message (see
 * PROGRAM COMMAND --help)`, and exit 2; other errors go through `program.describeError`
 * (`PROGRAM COMMAND: CODE: message`, exit 1 or 2) or are rethrown.
 */
export async function runProgram<Io extends CliIo>(
  program: CliProgram<Io>,
  argv: readonly string[],
  io: Io,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(formatProgramHelp(program));
    return EXIT_USAGE;
  }
  let running: string | null = null;
  try {
    if (name === '--help' || name === '-h' || (name === 'help' && rest[0] === undefined)) {
      io.stdout.write(formatProgramHelp(program));
      return EXIT_OK;
    }
    if (name === 'help') {
      io.stdout.write(formatCommandHelp(program.name, findCommand(program, rest[0]!).spec));
      return EXIT_OK;
    }
    const command = findCommand(program, name);
    running = command.spec.name;
    const args = parseCommandLine(command.spec, rest);
    if (args.help) {
      io.stdout.write(formatCommandHelp(program.name, command.spec));
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (error) {
    return reportError(program, running, error, io);
  }
}
