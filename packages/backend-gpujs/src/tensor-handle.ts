import type { Tensor } from '@meerkat/tensor';
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

/** What a handle needs from the backend that made it. */
export interface HandleOwner {
  readonly name: string;
  release(x: GpujsTensor): void;
}

/** A Meerkat tensor handle on a gpu.js backend. */
export class GpujsTensor implements Tensor {
  readonly dtype = 'float32' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: string;
  readonly owner: HandleOwner;
  /** Null once disposed. */
  storage: SharedStorage | null;

  constructor(owner: HandleOwner, storage: SharedStorage, shape: readonly number[], size: number) {
    this.owner = owner;
    this.backend = owner.name;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.size = size;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Bytes this handle accounts for: 4 per float32 element. */
  get bytes(): number {
    return 4 * this.size;
  }

  dispose(): void {
    this.owner.release(this);
  }
}
