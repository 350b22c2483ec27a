import { LmError } from '../errors.js';

/** Why a command line was rejected (stable, machine-readable). */
export type CliUsageCode =
  /** The first argument is not a command of `meerkat-lm`. */
  | 'CLI_UNKNOWN_COMMAND'
  /** A `--flag` the command does not have. */
  | 'CLI_UNKNOWN_FLAG'
  /** A flag that needs a value was last on the line, or followed by another flag. */
  | 'CLI_MISSING_VALUE'
  /** A numeric flag got something that is not a number in its allowed range. */
  | 'CLI_BAD_NUMBER'
  /** A flag with a fixed set of values got another one. */
  | 'CLI_BAD_CHOICE'
  /** A required flag is absent. */
  | 'CLI_MISSING_FLAG'
  /** A required bare argument (`fetch NAME`) is absent. */
  | 'CLI_MISSING_ARGUMENT'
  /** Two flags that exclude each other were both given (or neither of a required pair). */
  | 'CLI_CONFLICTING_FLAGS'
  /** The same flag was given twice. */
  | 'CLI_REPEATED_FLAG'
  /** A bare argument where only `--flags` are accepted, or a value given to a switch. */
  | 'CLI_UNEXPECTED_ARGUMENT';

/**
 * A command line `meerkat-lm` cannot run (exit code 2). It is an `LmError` with code
 * `LM_INVALID_ARGUMENT`, so callers that switch on `LmError` codes keep working; `usageCode`
 * says which rule was broken and `command` which command's `--help` to read.
 */
export class CliUsageError extends LmError {
  readonly usageCode: CliUsageCode;
  /** The command whose flags were being parsed, or null before a command was known. */
  readonly command: string | null;

  constructor(usageCode: CliUsageCode, message: string, command: string | null = null) {
    super('LM_INVALID_ARGUMENT', message);
    this.usageCode = usageCode;
    this.command = command;
  }
}
