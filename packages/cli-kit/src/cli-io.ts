/** Something text can be written to: `process.stdout`, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** True on a terminal: progress may then redraw one line with `\r`. */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/**
 * Where a command writes: results to `stdout`, progress and errors to `stderr`. A program whose
 * commands need more (a working directory, the environment) extends it and passes its own.
 */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}
