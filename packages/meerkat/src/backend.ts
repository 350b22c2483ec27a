import { type Backend, createBackend } from '@meerkat/tensor';

/** The default backend name: the best TensorFlow.js engine here (node-gpu > node > wasm > cpu). */
export const DEFAULT_BACKEND = 'tfjs:auto';

/**
 * The best available backend with gradients: `createBackend('tfjs:auto')` (the registry finds
 * `@meerkat/backend-tfjs` by convention). `backend.selection.summary` says which engine it picked
 * and why better ones were skipped.
 */
export function defaultBackend(name: string = DEFAULT_BACKEND): Promise<Backend> {
  return createBackend(name);
}
