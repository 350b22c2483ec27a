// Node half of the tokenizer: `loadTokenizer(dir)` reads the files from a model directory. The
// class itself is in lm-tokenizer.ts, which touches no file system (the `@meerkat/lm/browser`
// entry imports it from there); it is re-exported here for code that imports both from one place.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmError } from './errors.js';
import { LmTokenizer } from './lm-tokenizer.js';

export { LmTokenizer };

/** Loads `dir/tokenizer.json` and (when present) `dir/tokenizer_config.json`. */
export function loadTokenizer(dir: string): LmTokenizer {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) {
    throw new LmError(
      'LM_FILE_NOT_FOUND',
      `${path} does not exist; download tokenizer.json with the model.`,
    );
  }
  const read = (p: string) => {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as unknown;
    } catch (e) {
      throw new LmError('LM_TOKENIZER_INVALID', `${p}: not valid JSON (${(e as Error).message}).`);
    }
  };
  const configPath = join(dir, 'tokenizer_config.json');
  return LmTokenizer.fromJson(read(path), existsSync(configPath) ? read(configPath) : {}, path);
}
