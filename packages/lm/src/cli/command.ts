import type { CliIo } from './cli-io.js';
import type { CommandSpec, ParsedFlags } from './flag-parser.js';

/** One `meerkat-lm` command: its flags and what it does. Returns the exit code. */
export interface Command {
  readonly spec: CommandSpec;
  run(flags: ParsedFlags, io: CliIo): Promise<number>;
}
