import {
  type CliCommand,
  type CliIo,
  type CliProgram,
  type ErrorReport,
  EXIT_FAILURE,
  runProgram,
} from '@meerkat/cli-kit';
import { isTensorError } from '@meerkat/tensor';
import { LmError } from '../errors.js';
import { benchCommand } from './bench-command.js';
import { convertCommand } from './convert-command.js';
import { fetchCommand } from './fetch-command.js';
import { generateCommand } from './generate-command.js';
import { logitsCommand } from './logits-command.js';

/** Every command, in `--help` order. */
export const COMMANDS: readonly CliCommand[] = [
  logitsCommand,
  generateCommand,
  benchCommand,
  fetchCommand,
  convertCommand,
];

/**
 * A failed run (bad model files, a backend that cannot run here, a download refused): an
 * `LmError` or a `TensorError` is printed with its code and exits 1; anything else is a bug and
 * is rethrown. Command-line mistakes are `CliUsageError`s, reported by cli-kit (exit 2).
 */
function describeError(error: unknown): ErrorReport | undefined {
  if (error instanceof LmError || isTensorError(error)) {
    return { code: error.code, message: error.message, exitCode: EXIT_FAILURE };
  }
  return undefined;
}

/** The `meerkat-lm` executable. */
export const LM_CLI: CliProgram = {
  name: 'meerkat-lm',
  summary: [
    'Run Hugging Face Llama-family checkpoints (Llama, Mistral, Qwen2) on a @meerkat/tensor backend.',
    'MODEL is a model directory, a llama2.c .bin, a cache name (stories15M) or hf:ORG/NAME[@REV];',
    'anything not on disk is downloaded into the Hugging Face cache once, then read from there.',
  ].join('\n'),
  commands: COMMANDS,
  describeError,
};

/**
 * Runs `meerkat-lm` in-process on `argv` (the words after the program name) and returns its
 * exit code: 0 ok, 1 the run failed, 2 bad command line. Results go to `io.stdout`; progress and
 * errors go to `io.stderr`, errors as one line `meerkat-lm <command>: <message>` (a usage error
 * also names the `--help` to read).
 */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runProgram(LM_CLI, argv, io);
}
