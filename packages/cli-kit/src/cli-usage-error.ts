/** Why a command line was rejected (stable, machine-readable). */
export type CliUsageCode =
  /** The first argument is not a command of the program (or `help NAME` names none). */
  | 'CLI_UNKNOWN_COMMAND'
  /** A `--flag` (or `-x`) the command does not have. */
  | 'CLI_UNKNOWN_FLAG'
  /** A flag that needs a value was last on the line, or followed by a `--flag`. */
  | 'CLI_MISSING_VALUE'
  /**
   * A value the flag does not accept: not a number or integer, out of range, not one of the
   * choices, or empty.
   */
  | 'CLI_INVALID_VALUE'
  /** A required flag is absent. */
  | 'CLI_MISSING_FLAG'
  /** A required bare argument (`fetch NAME`) is absent. */
  | 'CLI_MISSING_ARGUMENT'
  /** A bare argument the command does not take, or a value given to a boolean flag. */
  | 'CLI_UNEXPECTED_ARGUMENT'
  /** A flag that is not `multiple` was given twice. */
  | 'CLI_REPEATED_FLAG'
  /** Flags that exclude each other were both given (or neither of a required pair). */
  | 'CLI_CONFLICTING_FLAGS';

export interface CliUsageErrorOptions extends ErrorOptions {
  /** The command whose `--help` to read; `runProgram` fills in the running command when absent. */
  readonly command?: string | null;
  /** Extra lines printed after the message, one per line (e.g. one per config issue). */
  readonly details?: readonly string[];
}

/**
 * A command line the program cannot run: `runProgram` prints it as one line naming the `--help`
 * to read (plus `details`) and exits with `EXIT_USAGE` (2). The parser throws it for every rule
 * broken; commands throw it for rules only they know (two flags that exclude each other, a
 * value that names nothing). `Code` lets a program add its own codes beside `CliUsageCode`.
 */
export class CliUsageError<Code extends string = CliUsageCode> extends Error {
  override readonly name = 'CliUsageError';
  readonly code: Code;
  /** The command whose flags were being read, or null (before a command was known, or unset). */
  readonly command: string | null;
  readonly details: readonly string[];

  constructor(code: Code, message: string, options: CliUsageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.command = options.command ?? null;
    this.details = options.details ?? [];
  }
}
