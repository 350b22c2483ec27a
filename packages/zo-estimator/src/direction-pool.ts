import type { DirectionOptions } from './directions.js';

/**
 * Something that fills directions off the calling thread, entry for entry identical to
 * `fillDirection` / `fillDirectionRange`. `@meerkat/zo-estimator/node`'s `createDirectionPool`
 * implements it with `node:worker_threads`; this interface lives in the main entry (types only)
 * so that `ZoOptimizer` can take a pool without pulling Node built-ins into browser bundles.
 */
export interface DirectionPool {
  /** Worker threads the pool shards a direction across. */
  readonly threads: number;
  /** True after `close()` (or after a worker failed): further fills reject with `ZO_POOL_CLOSED`. */
  readonly closed: boolean;
  /** `fillDirection(seed, out, options)`, computed by the pool's threads. Resolves to `out`. */
  fill(seed: bigint, out: Float32Array, options?: DirectionOptions): Promise<Float32Array>;
  /** `fillDirectionRange(seed, out, from, options)`, computed by the pool's threads. */
  fillRange(
    seed: bigint,
    out: Float32Array,
    from: number,
    options?: DirectionOptions,
  ): Promise<Float32Array>;
  /**
   * A zeroed buffer of `length` entries that the threads write into directly (shared memory).
   * Any `Float32Array` can be filled, but one that is not from here costs an extra copy.
   */
  allocate(length: number): Float32Array;
  /** Stops the threads; fills still in flight reject with `ZO_POOL_CLOSED`. Idempotent. */
  close(): Promise<void>;
}

/**
 * The θ length from which `ZoOptimizer` hands direction generation to a `DirectionPool` it was
 * given (smaller steps stay on the calling thread, where a thread handoff would cost more than it
 * saves). Measured with `bench/zo-step.mjs`: see the package README, Performance.
 */
export const DEFAULT_DIRECTION_POOL_THRESHOLD = 65_536;
