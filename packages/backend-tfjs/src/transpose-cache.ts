import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';

/** Default `transposeCacheBytes`: 512 MiB of transposed weights. */
export const DEFAULT_TRANSPOSE_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * How a weight w [n, k] is stored for x·wᵀ: wᵀ as column blocks [k, n_i] (Σ n_i = n), each a
 * new tf.Tensor. One block is plain wᵀ.
 */
export type ColumnBlocks = (tf: Tf, w: tfc.Tensor) => tfc.Tensor[];

/** wᵀ in one block. */
export const wholeTranspose: ColumnBlocks = (tf, w) => [tf.transpose(w, [1, 0])];

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
  readonly #layout: ColumnBlocks;
  #bytes = 0;
  readonly #entries = new Map<H, { readonly of: tfc.Tensor; readonly blocks: tfc.Tensor[] }>();

  constructor(budgetBytes: number, layout: ColumnBlocks = wholeTranspose) {
    this.budgetBytes = budgetBytes;
    this.#layout = layout;
  }

  /** Bytes of the transposed copies held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * wᵀ as column blocks for the handle whose current tensor is `w` (rank 2), or undefined when
   * it does not fit the budget.
   */
  transposed(tf: Tf, handle: H, w: tfc.Tensor): readonly tfc.Tensor[] | undefined {
    const entry = this.#entries.get(handle);
    if (entry !== undefined) {
      if (entry.of === w) return entry.blocks;
      this.drop(handle);
    }
    const bytes = 4 * w.size;
    if (this.#bytes + bytes > this.budgetBytes) return undefined;
    const blocks = tf.tidy(() => this.#layout(tf, w)).map((b) => tf.keep(b));
    this.#entries.set(handle, { of: w, blocks });
    this.#bytes += bytes;
    return blocks;
  }

  /** Frees the handle's copy, if any. */
  drop(handle: H): void {
    const entry = this.#entries.get(handle);
    if (entry === undefined) return;
    this.#entries.delete(handle);
    this.#bytes -= 4 * entry.of.size;
    for (const b of entry.blocks) b.dispose();
  }
}
