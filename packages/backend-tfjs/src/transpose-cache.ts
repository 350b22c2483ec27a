import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';

/** Default `transposeCacheBytes`: 512 MiB of transposed weights. */
export const DEFAULT_TRANSPOSE_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Transposed copies of the rank-2 right operands of `matmul(x, w, { transposeB: true })`, one
 * per handle, so a Linear weight ([out, in], Hugging Face layout) is transposed once rather than
 * on every forward. Each entry remembers the tf.Tensor it was made from: `scatterUpdate` swaps
 * a handle's tensor, which makes the entry stale (it is dropped then, and when the handle is
 * freed). On the WebAssembly engine a constant right operand also keeps XNNPACK's packed copy
 * of it alive, so the plain matmul skips re-packing as well.
 *
 * Copies are made while their total stays within `budgetBytes` (0 turns the cache off); later
 * weights are transposed per call as before. The copies are not counted by `Backend.memory()`.
 */
export class TransposeCache<H extends object> {
  readonly budgetBytes: number;
  #bytes = 0;
  readonly #entries = new Map<H, { readonly of: tfc.Tensor; readonly transposed: tfc.Tensor }>();

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes;
  }

  /** Bytes of the transposed copies held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** wᵀ for the handle whose current tensor is `w` (rank 2), or undefined over budget. */
  transposed(tf: Tf, handle: H, w: tfc.Tensor): tfc.Tensor | undefined {
    const entry = this.#entries.get(handle);
    if (entry !== undefined) {
      if (entry.of === w) return entry.transposed;
      this.drop(handle);
    }
    const bytes = 4 * w.size;
    if (this.#bytes + bytes > this.budgetBytes) return undefined;
    const transposed = tf.keep(tf.transpose(w, [1, 0]));
    this.#entries.set(handle, { of: w, transposed });
    this.#bytes += bytes;
    return transposed;
  }

  /** Frees the handle's copy, if any. */
  drop(handle: H): void {
    const entry = this.#entries.get(handle);
    if (entry === undefined) return;
    this.#entries.delete(handle);
    this.#bytes -= 4 * entry.transposed.size;
    entry.transposed.dispose();
  }
}
