/**
 * `@meerkat/zo-estimator/node`: what needs Node built-ins (`node:worker_threads`), kept out of
 * the main entry so that it stays importable in browser bundles.
 */
export type { DirectionPool } from './direction-pool.js';
export {
  createDirectionPool,
  type DirectionPoolOptions,
  MAX_DIRECTION_POOL_THREADS,
} from './worker-direction-pool.js';
