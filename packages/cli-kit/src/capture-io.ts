import type { CliIo } from './cli-io.js';

/** A `CliIo` that keeps what a command writes, for tests and for running a CLI in process. */
export interface CapturedIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

export interface CaptureIoOptions {
  /** What both sinks report as `isTTY` (to exercise terminal output); default false. */
  readonly isTTY?: boolean;
  /** What both sinks report as `columns`; default none. */
  readonly columns?: number;
}

/** An in-memory `CliIo`: `out()` and `err()` return what was written. */
export function captureIo(options: CaptureIoOptions = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const terminal = {
    isTTY: options.isTTY === true,
    ...(options.columns === undefined ? {} : { columns: options.columns }),
  };
  return {
    stdout: { write: (text: string) => out.push(text), ...terminal },
    stderr: { write: (text: string) => err.push(text), ...terminal },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
