/** Where a command writes and what it may look at; `runCli` takes one so tests run in-process. */
export interface CliOutput {
  write(text: string): unknown;
  /** True when the stream is a terminal: progress then redraws one line with `\r`. */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

export interface CliIo {
  /** Results (tables, JSON, file paths). */
  readonly stdout: CliOutput;
  /** Progress and diagnostics. */
  readonly stderr: CliOutput;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The process's own streams, directory and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  };
}
