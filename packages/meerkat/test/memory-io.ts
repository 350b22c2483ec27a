import { type CapturedIo, captureIo } from '@meerkat/cli-kit';
import type { MeerkatIo } from '../src/cli/cli-io.js';

/** An in-memory MeerkatIo: what a command wrote to stdout and stderr, as strings. */
export interface MemoryIo extends MeerkatIo, CapturedIo {}

export function memoryIo(
  cwd: string,
  options: { tty?: boolean; env?: Record<string, string> } = {},
): MemoryIo {
  return {
    ...captureIo({ isTTY: options.tty === true, columns: 120 }),
    cwd,
    env: options.env ?? {},
  };
}
