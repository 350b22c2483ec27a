/** Something text can be written to (`process.stdout`, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
  /** True on a terminal: downloads then draw a progress bar there. */
  readonly isTTY?: boolean;
}

/** Where a command writes: results to `stdout`, progress and errors to `stderr`. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}
