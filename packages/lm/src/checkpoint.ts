import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LlamaConfig, parseConfig } from './config.js';
import { LmError } from './errors.js';
import { checkTensorsAgainstLayout, type ParameterSpec } from './layout.js';
import type { SafetensorsTensor } from './safetensors.js';
import { loadSafetensorsFile, loadShardedSafetensors } from './safetensors-node.js';

/** A checkpoint read from a directory and checked against its config's layout. */
export interface Checkpoint {
  readonly dir: string;
  readonly config: LlamaConfig;
  /** The canonical tensors (see `parameterSpecs`), in order. */
  readonly specs: readonly ParameterSpec[];
  /** Every tensor in the files (including ignorable extras), by name. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  /** Sum of the canonical tensors' sizes. */
  readonly parameterCount: number;
}

/** Reads and validates `dir/config.json`. */
export function loadConfigFile(dir: string): LlamaConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) {
    throw new LmError(
      'LM_FILE_NOT_FOUND',
      `${path} does not exist; a Hugging Face model directory needs config.json.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LmError('LM_CONFIG_INVALID', `${path}: not valid JSON (${(e as Error).message}).`);
  }
  return parseConfig(json, path);
}

/**
 * Loads a Hugging Face model directory: `config.json`, then `model.safetensors` or the shards of
 * `model.safetensors.index.json`, and checks every tensor against the config's layout. The whole
 * file is read into memory; tensor values are widened to float32 only on `data()`.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  const config = loadConfigFile(dir);
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  let file: { file: string; tensors: ReadonlyMap<string, SafetensorsTensor> };
  if (existsSync(single)) file = loadSafetensorsFile(single);
  else if (existsSync(index)) file = loadShardedSafetensors(index);
  else {
    throw new LmError(
      'LM_FILE_NOT_FOUND',
      `${dir} has neither model.safetensors nor model.safetensors.index.json; download the safetensors weights (PyTorch .bin files are not supported).`,
    );
  }
  const specs = checkTensorsAgainstLayout(config, file.tensors, file.file);
  let parameterCount = 0;
  for (const s of specs) parameterCount += file.tensors.get(s.name)!.size;
  return { dir, config, specs, tensors: file.tensors, parameterCount };
}
