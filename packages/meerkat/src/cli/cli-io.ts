import { type CliIo, processIo as kitProcessIo } from '@meerkat/cli-kit';

/**
 * Where a `meerkat` command writes (cli-kit's stdout/stderr) and what it may look at: the
 * directory relative paths resolve against and the environment. `runCli` takes one, so tests run
 * commands in-process.
 */
export interface MeerkatIo extends CliIo {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The process's own streams, directory and environment. */
export function processIo(): MeerkatIo {
  return { ...kitProcessIo(), cwd: process.cwd(), env: process.env };
}
