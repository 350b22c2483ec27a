import type { Backend } from '@meerkat/tensor';
import type { Checkpoint } from './checkpoint.js';
import { parseConfig } from './config.js';
import { LmError } from './errors.js';
import { checkTensorsAgainstLayout } from './layout.js';
import { LmTokenizer } from './lm-tokenizer.js';
import { LlamaModel } from './model.js';
import { readSafetensors } from './safetensors.js';

/**
 * A Hugging Face checkpoint held in memory (fetched, read from a `File`, or embedded). JSON files
 * may be given as text or already parsed; nothing here touches a file system, so it runs in a
 * browser, a worker or Node alike.
 */
export interface CheckpointBytes {
  /** config.json: its text or the parsed object. */
  readonly config: string | object;
  /** The bytes of one `model.safetensors` file (sharded checkpoints are not supported here). */
  readonly weights: Uint8Array | ArrayBuffer;
  /** tokenizer.json: its text or the parsed object. Omit to load the model without a tokenizer. */
  readonly tokenizer?: string | object;
  /** tokenizer_config.json (BOS/EOS flags): its text or the parsed object. */
  readonly tokenizerConfig?: string | object;
  /**
   * Names used in error messages (URLs or file names). Defaults: `config.json`,
   * `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`.
   */
  readonly sources?: {
    readonly config?: string;
    readonly weights?: string;
    readonly tokenizer?: string;
    readonly tokenizerConfig?: string;
  };
}

/** What {@link loadModelFromBytes} returns. */
export interface LoadedModel {
  readonly model: LlamaModel;
  /** The tokenizer, or null when no tokenizer.json was given. */
  readonly tokenizer: LmTokenizer | null;
  /** The validated checkpoint; its `dir` is the weights' source name. */
  readonly checkpoint: Checkpoint;
}

function parseJson(
  value: string | object,
  source: string,
  code: 'LM_CONFIG_INVALID' | 'LM_TOKENIZER_INVALID',
): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (e) {
    throw new LmError(code, `${source}: not valid JSON (${(e as Error).message}).`);
  }
}

/**
 * Parses and validates an in-memory checkpoint exactly as `loadCheckpoint` does for a directory:
 * config.json through `parseConfig`, the safetensors bytes through `readSafetensors`, every
 * tensor checked against the config's layout. Tensor values stay views until `data()`.
 */
export function checkpointFromBytes(input: CheckpointBytes): Checkpoint {
  const configSource = input.sources?.config ?? 'config.json';
  const weightsSource = input.sources?.weights ?? 'model.safetensors';
  const config = parseConfig(
    parseJson(input.config, configSource, 'LM_CONFIG_INVALID'),
    configSource,
  );
  const bytes = input.weights instanceof Uint8Array ? input.weights : new Uint8Array(input.weights);
  const file = readSafetensors(bytes, weightsSource);
  const specs = checkTensorsAgainstLayout(config, file.tensors, weightsSource);
  let parameterCount = 0;
  for (const s of specs) parameterCount += file.tensors.get(s.name)!.size;
  return { dir: weightsSource, config, specs, tensors: file.tensors, parameterCount };
}

/**
 * Builds a `LlamaModel` on `backend` (and its tokenizer, when given) from in-memory files: the
 * browser counterpart of `LlamaModel.load(dir, backend)` + `loadTokenizer(dir)`.
 */
export function loadModelFromBytes(input: CheckpointBytes, backend: Backend): LoadedModel {
  const checkpoint = checkpointFromBytes(input);
  let tokenizer: LmTokenizer | null = null;
  if (input.tokenizer !== undefined) {
    const source = input.sources?.tokenizer ?? 'tokenizer.json';
    const configSource = input.sources?.tokenizerConfig ?? 'tokenizer_config.json';
    tokenizer = LmTokenizer.fromJson(
      parseJson(input.tokenizer, source, 'LM_TOKENIZER_INVALID'),
      input.tokenizerConfig === undefined
        ? {}
        : parseJson(input.tokenizerConfig, configSource, 'LM_TOKENIZER_INVALID'),
      source,
    );
  }
  const model = LlamaModel.fromCheckpoint(checkpoint, backend);
  return { model, tokenizer, checkpoint };
}
