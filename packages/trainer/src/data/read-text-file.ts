import { readFileSync, statSync } from 'node:fs';
import { MeerkatError } from '../errors.js';

/** Reads a UTF-8 file; a missing path is `MEERKAT_FILE_NOT_FOUND`, bad UTF-8 `MEERKAT_DATA_INVALID`. */
export function readTextFile(path: string, what: string): string {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    bytes = readFileSync(path);
  } catch (cause) {
    throw new MeerkatError(
      'MEERKAT_FILE_NOT_FOUND',
      `${what}: cannot read ${path} (${(cause as Error).message})`,
      { cause },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch (cause) {
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${what}: ${path} is not UTF-8 text`, { cause });
  }
}
