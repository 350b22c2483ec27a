import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LlamaConfig } from '../config.js';
import { LmError } from '../errors.js';
import { writeSafetensorsFile } from '../safetensors-node.js';
import { openLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import {
  llamaTokenizerConfigJson,
  sentencePieceTokenizerJson,
} from './sentencepiece-tokenizer-json.js';

/** What to convert and where to. */
export interface ConvertLlama2cOptions {
  /** The legacy llama2.c checkpoint (`stories15M.bin`). */
  readonly checkpoint: string;
  /** Its `tokenizer.bin`; null converts the weights only (no tokenizer files). */
  readonly tokenizer: string | null;
  /** Output directory (created; existing files of the same names are replaced). */
  readonly out: string;
}

/** The Hugging Face model directory a conversion wrote. */
export interface ConvertedLlama2c {
  readonly dir: string;
  readonly config: LlamaConfig;
  readonly parameterCount: number;
  /** File names written into `dir`. */
  readonly files: readonly string[];
}

/** The files of a converted model directory, in the order they are written. */
export const CONVERTED_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'model.safetensors',
] as const;

const writeJson = (path: string, value: unknown) =>
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/**
 * Converts a legacy llama2.c checkpoint (and its `tokenizer.bin`) to the Hugging Face layout that
 * `LlamaModel.load(dir)` and `loadTokenizer(dir)` read: `config.json`, `model.safetensors` (F32,
 * standard names, q/k permuted to rotate-half RoPE, no `lm_head.weight` when the classifier is
 * shared), and a Llama-2-style `tokenizer.json` + `tokenizer_config.json`. The weights stream
 * from the file, so memory stays small whatever the model size.
 */
export function convertLlama2c(options: ConvertLlama2cOptions): ConvertedLlama2c {
  const checkpoint = openLlama2cCheckpoint(options.checkpoint);
  try {
    const files: string[] = ['config.json'];
    let tokenizerFiles: { json: unknown; config: unknown } | null = null;
    if (options.tokenizer !== null) {
      if (!existsSync(options.tokenizer)) {
        throw new LmError(
          'LM_FILE_NOT_FOUND',
          `${options.tokenizer} does not exist; give llama2.c's tokenizer.bin for this model.`,
        );
      }
      const vocab = parseLlama2cTokenizer(readFileSync(options.tokenizer), options.tokenizer);
      if (vocab.pieces.length !== checkpoint.header.vocabSize) {
        throw new LmError(
          'LM_LLAMA2C_INVALID',
          `${options.tokenizer} has ${vocab.pieces.length} pieces but ${basename(options.checkpoint)} has a vocabulary of ${checkpoint.header.vocabSize}; give the tokenizer the model was trained with.`,
        );
      }
      tokenizerFiles = {
        json: sentencePieceTokenizerJson(vocab),
        config: llamaTokenizerConfigJson(vocab, checkpoint.header.seqLen),
      };
    }
    mkdirSync(options.out, { recursive: true });
    writeJson(join(options.out, 'config.json'), checkpoint.configJson);
    if (tokenizerFiles !== null) {
      writeJson(join(options.out, 'tokenizer.json'), tokenizerFiles.json);
      writeJson(join(options.out, 'tokenizer_config.json'), tokenizerFiles.config);
      files.push('tokenizer.json', 'tokenizer_config.json');
    }
    writeSafetensorsFile(join(options.out, 'model.safetensors'), checkpoint.tensors, {
      metadata: { format: 'pt', converted_from: `llama2.c ${basename(options.checkpoint)}` },
    });
    files.push('model.safetensors');
    let parameterCount = 0;
    for (const t of checkpoint.tensors) parameterCount += t.shape.reduce((a, b) => a * b, 1);
    return { dir: options.out, config: checkpoint.config, parameterCount, files };
  } finally {
    checkpoint.close();
  }
}

/**
 * The `tokenizer.bin` that belongs beside a llama2.c checkpoint, as llama2.c's own tools name it:
 * `tok{vocab}.bin` for a custom vocabulary (stories260K's `tok512.bin`), else `tokenizer.bin`;
 * null when neither is there.
 */
export function findLlama2cTokenizer(checkpointPath: string, vocabSize: number): string | null {
  const dir = dirname(checkpointPath);
  for (const name of [`tok${vocabSize}.bin`, 'tokenizer.bin']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}
