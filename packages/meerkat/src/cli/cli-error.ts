/** Stable codes for the errors the `meerkat` command line raises. */
export type CliErrorCode =
  | 'CLI_UNKNOWN_COMMAND'
  | 'CLI_UNKNOWN_FLAG'
  | 'CLI_MISSING_VALUE'
  | 'CLI_INVALID_VALUE'
  | 'CLI_MISSING_ARGUMENT'
  | 'CLI_UNEXPECTED_ARGUMENT'
  | 'CLI_MODEL_NOT_FOUND';

/**
 * A command-line usage error (the library's own input errors are `MeerkatError`s): the command line (or a file it names) is wrong. `runCli` prints the
 * message on one line (plus `details`, one per line) and exits with status 2.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  /** Extra lines printed after the message, e.g. one per config issue. */
  readonly details: readonly string[];

  constructor(
    code: CliErrorCode,
    message: string,
    options?: ErrorOptions & { details?: readonly string[] },
  ) {
    super(message, options);
    this.code = code;
    this.details = options?.details ?? [];
  }
}
