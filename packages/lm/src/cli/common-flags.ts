import type { FlagSpec } from './flag-parser.js';
import { DEFAULT_BACKEND } from './open-backend.js';

/**
 * `--model MODEL`: a Hugging Face model directory, a llama2.c `.bin`, a cache name or
 * `hf:ORG/NAME[@REVISION]` (see `resolveModel`); fetched into the cache on first use.
 */
export const MODEL_FLAG: FlagSpec = {
  name: 'model',
  required: true,
  kind: 'string',
  valueName: 'MODEL',
  description:
    'model directory (config.json, model.safetensors, tokenizer.json), llama2.c .bin, cache name (stories15M) or hf:ORG/NAME[@REV]; downloaded into the cache on first use',
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
