import { LmError } from '../errors.js';
import type { LmTokenizer } from '../tokenizer.js';

/**
 * The ids of `--text`, made as golden.json's were: `tokenizer.encode(text)`, which adds BOS/EOS
 * as tokenizer_config.json says (stories260K: BOS `<s>` = 1 first). A text that encodes to no
 * token at all (an empty text with a tokenizer that adds no BOS) cannot be run.
 */
export function promptIds(tokenizer: LmTokenizer, text: string): Uint32Array {
  const ids = tokenizer.encode(text);
  if (ids.length === 0) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      '--text encodes to no tokens (this tokenizer adds no BOS); give a non-empty text.',
    );
  }
  return Uint32Array.from(ids);
}
