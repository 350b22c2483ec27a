import type { CliIo } from '../src/cli/cli-io.js';

/** An in-memory CliIo: what a command wrote to stdout and stderr, as strings. */
export interface MemoryIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

export function memoryIo(
  cwd: string,
  options: { tty?: boolean; env?: Record<string, string> } = {},
): MemoryIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: options.tty === true, columns: 120 },
    cwd,
    env: options.env ?? {},
    out: () => out,
    err: () => err,
  };
}
