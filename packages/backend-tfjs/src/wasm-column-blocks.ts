import type { ColumnBlocks } from './transpose-cache.js';
import { wholeTranspose } from './transpose-cache.js';
import { splitLeadingOnWasm } from './wasm-split-kernel.js';

/** Widest column block of a cached wᵀ on the wasm engine (see `wasmColumnBlocks`). */
export const WASM_BLOCK_COLUMNS = 1024;

/**
 * The wasm engine's layout of a cached wᵀ (w [n, k]): whole up to n = 2·WASM_BLOCK_COLUMNS,
 * else ⌈n / WASM_BLOCK_COLUMNS⌉ near-equal column blocks. XNNPACK's single-threaded GEMM sweeps
 * the whole packed right operand for every few rows of x, so a wide one (the LM head's
 * [512, 16384] is 32 MB) streams from memory over and over; blocks that stay in cache ran the
 * LM head at ≈22 instead of ≈16 GFLOP/s, concatenation included.
 */
export const wasmColumnBlocks: ColumnBlocks = (tf, w) => {
  const n = w.shape[0]!;
  if (n <= 2 * WASM_BLOCK_COLUMNS) return wholeTranspose(tf, w);
  const count = Math.ceil(n / WASM_BLOCK_COLUMNS);
  const sizes = Array.from(
    { length: count },
    (_, i) => Math.floor((n * (i + 1)) / count) - Math.floor((n * i) / count),
  );
  return splitLeadingOnWasm(tf, w, sizes).map((rows) => tf.transpose(rows, [1, 0]));
};
