import type { Tensor } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';

/** What a handle needs from the backend that made it. */
export interface HandleOwner {
  readonly name: string;
  release(x: TfjsTensor): void;
}

/**
 * A Meerkat tensor handle around a tf.Tensor. The inner tensor is swapped (never mutated) by
 * `scatterUpdate`, so the handle stays the same while tensors computed earlier keep their values.
 */
export class TfjsTensor implements Tensor {
  readonly dtype = 'float32' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: string;
  readonly owner: HandleOwner;
  /** The current tf.Tensor; null once disposed. */
  inner: tfc.Tensor | null;

  constructor(owner: HandleOwner, inner: tfc.Tensor, shape: readonly number[]) {
    this.owner = owner;
    this.backend = owner.name;
    this.inner = inner;
    this.shape = Object.freeze([...shape]);
    this.size = inner.size;
  }

  get isDisposed(): boolean {
    return this.inner === null;
  }

  /** Bytes this handle accounts for: 4 per float32 element. */
  get bytes(): number {
    return 4 * this.size;
  }

  dispose(): void {
    this.owner.release(this);
  }
}
