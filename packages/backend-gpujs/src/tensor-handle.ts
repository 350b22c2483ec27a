import { BackendTensor } from '@meerkat/tensor';
import type { Stored } from './executor.js';

/**
 * One allocation, shared by the handles that `reshape` makes of it (reshape copies nothing).
 * `refs` counts those handles; the storage is freed when the last one is disposed, and a sparse
 * write to a shared allocation copies it first so the other handles keep their values.
 */
export class SharedStorage {
  stored: Stored;
  refs = 1;

  constructor(stored: Stored) {
    this.stored = stored;
  }
}

/**
 * A Meerkat tensor handle on a gpu.js backend; its `storage` is a `SharedStorage`. Its lifetime is
 * `GpujsBackend`'s, through @meerkat/tensor's `TensorLifetime`.
 */
export class GpujsTensor extends BackendTensor<SharedStorage> {}
