import type { FlagSpec } from './args.js';

export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  value: 'NAME',
  description:
    'tensor backend by registry name (tfjs:auto picks the best TensorFlow.js engine; tfjs:wasm, tfjs:cpu, …)',
  defaultText: 'tfjs:auto',
};

export const JSON_FLAG: FlagSpec = {
  name: 'json',
  type: 'boolean',
  description: 'print one JSON object on stdout instead of the readable summary',
};

export const QUIET_FLAG: FlagSpec = {
  name: 'quiet',
  type: 'boolean',
  description: 'no progress on stderr',
};
