import { isTensorError } from '@meerkat/tensor';
import { LmError } from '../errors.js';
import { benchCommand } from './bench-command.js';
import type { CliIo } from './cli-io.js';
import { CliUsageError } from './cli-usage-error.js';
import type { Command } from './command.js';
import { convertCommand } from './convert-command.js';
import { fetchCommand } from './fetch-command.js';
import { commandHelp, parseFlags } from './flag-parser.js';
import { generateCommand } from './generate-command.js';
import { logitsCommand } from './logits-command.js';

/** The program name in messages and `--help`. */
export const PROGRAM = 'meerkat-lm';

/** Every command, in `--help` order. */
export const COMMANDS: readonly Command[] = [
  logitsCommand,
  generateCommand,
  benchCommand,
  fetchCommand,
  convertCommand,
];

/** Exit codes: 0 success, 1 the run failed (bad model files, backend unavailable), 2 bad command line. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    `Usage: ${PROGRAM} <command> [--flags]`,
    '',
    'Run Hugging Face Llama-family checkpoints (Llama, Mistral, Qwen2) on a @meerkat/tensor backend.',
    'MODEL is a model directory, a llama2.c .bin, a cache name (stories15M) or hf:ORG/NAME[@REV];',
    'anything not on disk is downloaded into the Hugging Face cache once, then read from there.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    `Run '${PROGRAM} <command> --help' for a command's flags. Exit codes: 0 ok, 1 run failed, 2 bad command line.`,
    '',
  ].join('\n');
}

function isHelp(word: string): boolean {
  return word === '--help' || word === '-h';
}

/**
 * Runs `meerkat-lm` in-process on `argv` (the words after the program name) and returns its
 * exit code. Results go to `io.stdout`; progress and errors go to `io.stderr`, errors as one
 * line `meerkat-lm <command>: <message>` (a usage error also names the `--help` to read).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name) || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(programHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  try {
    if (command === undefined) {
      throw new CliUsageError(
        'CLI_UNKNOWN_COMMAND',
        `unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.spec.name).join(', ')}`,
      );
    }
    if (rest.some(isHelp)) {
      io.stdout.write(commandHelp(PROGRAM, command.spec));
      return EXIT_OK;
    }
    return await command.run(parseFlags(command.spec, rest), io);
  } catch (error) {
    const where = command === undefined ? PROGRAM : `${PROGRAM} ${command.spec.name}`;
    if (error instanceof CliUsageError) {
      const help =
        error.command === null ? `${PROGRAM} --help` : `${PROGRAM} ${error.command} --help`;
      io.stderr.write(`${where}: ${error.message} (see ${help})\n`);
      return EXIT_USAGE;
    }
    if (error instanceof LmError || isTensorError(error)) {
      io.stderr.write(`${where}: ${error.code}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
