import type { CommandSpec, ParsedArgs } from './args.js';
import type { CliIo } from './cli-io.js';

/** One `meerkat` command: its spec (flags, help) and what it does. Returns the exit code. */
export interface CliCommand {
  readonly spec: CommandSpec;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
