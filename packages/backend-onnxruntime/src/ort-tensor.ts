import type { Tensor } from '@meerkat/tensor';
import type { Source } from './trace.js';

/** What a handle needs from the backend that made it. */
export interface HandleOwner {
  readonly name: string;
  release(x: OrtTensor): void;
}

/**
 * A Meerkat tensor handle on an ONNX Runtime backend. Its `source` is a `Leaf` (values on the
 * host: uploaded, filled, or computed and downloaded) or an `OpNode` (recorded, computed when a
 * result that needs it is downloaded); null once disposed.
 */
export class OrtTensor implements Tensor {
  readonly dtype = 'float32' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: string;
  readonly owner: HandleOwner;
  source: Source | null;

  constructor(owner: HandleOwner, source: Source, shape: readonly number[], size: number) {
    this.owner = owner;
    this.backend = owner.name;
    this.source = source;
    this.shape = Object.freeze([...shape]);
    this.size = size;
  }

  get isDisposed(): boolean {
    return this.source === null;
  }

  dispose(): void {
    this.owner.release(this);
  }
}
