import { isAbsolute, resolve } from 'node:path';
import type { CliIo } from './cli-io.js';

/** A path from the command line, resolved against the command's working directory. */
export function resolvePath(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}
