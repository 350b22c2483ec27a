import type { FlagSpec } from './args.js';

export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  value: 'NAME',
  description:
    'tensor backend by registry name for forward passes (auto: the fastest present, ort:auto then tfjs:auto; ort:cpu, tfjs:wasm, gpujs:webasm, …); gradient work (mask calibration, fedavg-sgd) runs on tfjs:auto when this backend has no gradients',
  defaultText: 'auto',
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
