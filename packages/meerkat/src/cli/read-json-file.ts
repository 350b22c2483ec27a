import { readFile } from 'node:fs/promises';
import { MeerkatError } from '@meerkat/trainer';

/** Reads a JSON file; a missing file or bad JSON is a typed error naming the file. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MeerkatError('MEERKAT_FILE_NOT_FOUND', `${what} ${path} cannot be read`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `${what} ${path} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
