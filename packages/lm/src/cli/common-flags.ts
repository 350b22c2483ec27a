import type { FlagSpec } from './flag-parser.js';
import { DEFAULT_BACKEND } from './open-backend.js';

/** `--model DIR`: a Hugging Face model directory (config.json, safetensors, tokenizer.json). */
export const MODEL_FLAG: FlagSpec = {
  name: 'model',
  required: true,
  kind: 'string',
  valueName: 'DIR',
  description:
    'Hugging Face model directory: config.json, model.safetensors (or an index + shards), tokenizer.json',
};

/** `--backend NAME`, shared by every command. */
export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  kind: 'string',
  valueName: 'NAME',
  description:
    'tensor backend by registry name: tfjs:wasm, tfjs:cpu, reference:cpu, FAMILY:auto, ... (packages @meerkat/backend-FAMILY are found by name)',
  default: DEFAULT_BACKEND,
};

/** `--json`, shared by every command. */
export const JSON_FLAG: FlagSpec = {
  name: 'json',
  kind: 'switch',
  description: 'print one JSON object on stdout instead of the readable summary',
};

/** `--text`, the prompt of logits and generate. */
export const TEXT_FLAG: FlagSpec = {
  name: 'text',
  kind: 'string',
  valueName: 'TEXT',
  required: true,
  description:
    'the prompt; encoded with the model tokenizer (BOS added as tokenizer_config.json says)',
};
