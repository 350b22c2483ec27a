import { isAbsolute, resolve } from 'node:path';
import type { MeerkatIo } from './cli-io.js';

/** A path from the command line, resolved against the command's working directory. */
export function resolvePath(io: MeerkatIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}
