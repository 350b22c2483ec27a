import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError } from '@meerkat/cli-kit';
import type { MeerkatCliCode } from './usage-codes.js';

/** How to get a model directory, printed whenever one is missing. */
export const MODEL_DIR_HELP =
  'Pass --model DIR, a Hugging Face Llama-family model directory (Llama, Mistral, Qwen2) with config.json, model.safetensors (or an index + shards) and tokenizer.json, e.g. one fetched with `huggingface-cli download <repo> --local-dir DIR`.';

/** Checks that `dir` looks like a model directory before loading it. */
export function checkModelDir(dir: string, flag = '--model'): void {
  const missing = ['config.json', 'tokenizer.json'].filter((f) => !existsSync(join(dir, f)));
  if (!existsSync(dir) || missing.length > 0) {
    throw new CliUsageError<MeerkatCliCode>(
      'CLI_MODEL_NOT_FOUND',
      `${flag} ${dir}: ${existsSync(dir) ? `no ${missing.join(' or ')} there` : 'no such directory'}. ${MODEL_DIR_HELP}`,
    );
  }
}
