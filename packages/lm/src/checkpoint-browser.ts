// What `#load-checkpoint` resolves to under the `browser` condition (package.json "imports"):
// there is no model directory to read, so `LlamaModel.load(dir)` ends here with a typed error
// instead of pulling node:fs into a browser bundle. The Node resolution is checkpoint.ts.

import type { loadCheckpoint as loadCheckpointFromDirectory } from './checkpoint.js';
import { LmError } from './errors.js';

/** Same signature as checkpoint.ts's `loadCheckpoint`; always throws `LM_NODE_ONLY`. */
export const loadCheckpoint: typeof loadCheckpointFromDirectory = (dir) => {
  throw new LmError(
    'LM_NODE_ONLY',
    `LlamaModel.load("${dir}") reads a model directory from the file system, which the browser build of @meerkat/lm does not have; fetch the files and call loadModelFromBytes (@meerkat/lm/browser), or use loadModelFromUrls / loadModelFromFiles (meerkat/browser).`,
  );
};
