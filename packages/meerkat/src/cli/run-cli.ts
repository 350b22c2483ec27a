import {
  type CliCommand,
  type CliProgram,
  type ErrorReport,
  EXIT_FAILURE,
  EXIT_USAGE,
  runProgram,
} from '@meerkat/cli-kit';
import { formatConfigIssue, MeerkatError, type MeerkatErrorCode } from '@meerkat/trainer';
import { type MeerkatIo, processIo } from './cli-io.js';
import { COMMANDS } from './commands/index.js';

/** Library errors caused by what the user passed, reported like usage errors (exit 2). */
const INPUT_ERROR_CODES: ReadonlySet<MeerkatErrorCode> = new Set([
  'MEERKAT_CONFIG_INVALID',
  'MEERKAT_DATA_INVALID',
  'MEERKAT_FILE_NOT_FOUND',
  'MEERKAT_MASK_MISMATCH',
  'MEERKAT_BACKEND_UNSUPPORTED',
  'MEERKAT_CHECKPOINT_INVALID',
]);

/**
 * How an error that is not a usage error is printed (`meerkat CMD: CODE: message`): a
 * `MeerkatError` with its code, its headline and one `path: message (allowed: …)` line per config
 * issue, exit 2 when the input was the user's (a bad config, data or mask file) and 1 otherwise;
 * any other error (I/O, a backend, a bug) with its `code` when it has one, exit 1, and its stack
 * when `MEERKAT_DEBUG` is set.
 */
function describeError(error: unknown, io: MeerkatIo): ErrorReport {
  if (error instanceof MeerkatError) {
    // A config error's message repeats its issues; print the headline, then one issue a line.
    const headline = error.issues.length > 0 ? error.message.split('\n')[0]! : error.message;
    return {
      code: error.code,
      message: headline,
      details: error.issues.map(formatConfigIssue),
      exitCode: INPUT_ERROR_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE,
    };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  const debug = io.env.MEERKAT_DEBUG !== undefined && err.stack !== undefined;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: err.message,
    ...(debug ? { details: (err.stack as string).split('\n') } : {}),
    exitCode: EXIT_FAILURE,
  };
}

/** The `meerkat` executable. */
export const MEERKAT_CLI: CliProgram<MeerkatIo> = {
  name: 'meerkat',
  summary:
    'Federated fine-tuning of LLMs with sparse zeroth-order optimisation (Meerkat, Meerkat-vp).',
  commands: COMMANDS,
  footer: ['Progress goes to stderr, results to stdout.'],
  describeError,
};

/**
 * Runs `meerkat <argv…>` in this process and returns the exit status: 0 success, 2 a bad command
 * line or bad input, 1 a failure while running. `argv` excludes the node binary and script
 * (`process.argv.slice(2)`). Nothing here calls `process.exit`, so tests run commands with an
 * in-memory `io` (and may pass their own `commands`).
 */
export function runCli(
  argv: readonly string[],
  io: MeerkatIo = processIo(),
  commands: readonly CliCommand<MeerkatIo>[] = COMMANDS,
): Promise<number> {
  return runProgram({ ...MEERKAT_CLI, commands }, argv, io);
}
