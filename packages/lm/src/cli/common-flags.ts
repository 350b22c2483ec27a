import type { BooleanFlagSpec, StringFlagSpec } from '@meerkat/cli-kit';
import { DEFAULT_BACKEND } from './open-backend.js';

/**
 * `--model MODEL`: a Hugging Face model directory, a llama2.c `.bin`, a cache name or
 * `hf:ORG/NAME[@REVISION]` (see `resolveModel`); fetched into the cache on first use.
 */
export const MODEL_FLAG: StringFlagSpec = {
  name: 'model',
  required: true,
  type: 'string',
  valueName: 'MODEL',
  description:
    'model directory (config.json, model.safetensors, tokenizer.json), llama2.c .bin, cache name (stories15M) or hf:ORG/NAME[@REV]; downloaded into the cache on first use',
};

/** `--backend NAME`, shared by every command. */
export const BACKEND_FLAG: StringFlagSpec = {
  name: 'backend',
  type: 'string',
  valueName: 'NAME',
  description:
    'tensor backend by registry name: tfjs:wasm, tfjs:cpu, reference:cpu, FAMILY:auto, ... (packages @meerkat/backend-FAMILY are found by name)',
  default: DEFAULT_BACKEND,
};

/** `--json`, shared by every command. */
export const JSON_FLAG: BooleanFlagSpec = {
  name: 'json',
  type: 'boolean',
  description: 'print one JSON object on stdout instead of the readable summary',
};

/** `--text`, the prompt of logits and generate (may be empty: a BOS-adding tokenizer still runs). */
export const TEXT_FLAG: StringFlagSpec = {
  name: 'text',
  type: 'string',
  valueName: 'TEXT',
  required: true,
  allowEmpty: true,
  description:
    'the prompt; encoded with the model tokenizer (BOS added as tokenizer_config.json says)',
};
