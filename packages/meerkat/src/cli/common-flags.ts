import type { BooleanFlagSpec, StringFlagSpec } from '@meerkat/cli-kit';
import { runConfigDefaults } from './schema-defaults.js';

const BACKEND_DESCRIPTION =
  'tensor backend by registry name for forward passes (auto: the fastest present, ort:auto then tfjs:auto; ort:cpu, tfjs:wasm, gpujs:webasm, …); gradient work (mask calibration, fedavg-sgd) runs on tfjs:auto when this backend has no gradients';

/** `--backend NAME` of the commands that load a model themselves; default: the run config's. */
export const BACKEND_FLAG: StringFlagSpec = {
  name: 'backend',
  type: 'string',
  valueName: 'NAME',
  description: BACKEND_DESCRIPTION,
  default: () => runConfigDefaults().backend,
};

/**
 * `--backend NAME` of the commands that run a run config (train, serve): given, it replaces the
 * config's `backend`; absent, the config's own applies (read it with `optionalString`).
 */
export const CONFIG_BACKEND_FLAG: StringFlagSpec = {
  name: 'backend',
  type: 'string',
  valueName: 'NAME',
  description: `${BACKEND_DESCRIPTION}; replaces the run config's backend`,
  default: {
    text: () => `the run config's backend (${runConfigDefaults().backend} when it names none)`,
  },
};

export const JSON_FLAG: BooleanFlagSpec = {
  name: 'json',
  type: 'boolean',
  description: 'print one JSON object on stdout instead of the readable summary',
};

export const QUIET_FLAG: BooleanFlagSpec = {
  name: 'quiet',
  type: 'boolean',
  description: 'no progress on stderr',
};

/** `--model MODEL` (optional: the commands that take it without requiring it say the default). */
export const MODEL_DESCRIPTION =
  'model directory, llama2.c .bin, stories15M or hf:ORG/NAME[@REV] (downloaded into the cache once)';
