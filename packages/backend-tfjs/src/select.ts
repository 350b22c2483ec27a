import { firstAvailable } from '@meerkat/tensor';
import { type EngineLoader, type EngineVariant, loadEngine, TFJS_FAMILY } from './engines.js';
import { TfjsBackend, type TfjsBackendOptions } from './tfjs-backend.js';

export interface CreateTfjsOptions extends TfjsBackendOptions {
  /** Engine loader; defaults to the real one. A test seam to simulate installed/missing peers. */
  readonly loader?: EngineLoader;
}

/**
 * Creates a backend on one engine, or on the best available one for `'auto'`
 * (node-gpu > node > wasm > cpu). `backend.selection` says which engine was chosen and why the
 * better ones were skipped. Throws `TENSOR_BACKEND_UNAVAILABLE` with every reason when none loads.
 */
export async function createTfjsBackend(
  variant: EngineVariant | 'auto' = 'auto',
  options: CreateTfjsOptions = {},
): Promise<TfjsBackend> {
  const loader = options.loader ?? loadEngine;
  const found = await firstAvailable(TFJS_FAMILY, variant, (engine) => loader(engine));
  // Outside the search: a bad option is the caller's error, not an unavailable engine.
  return new TfjsBackend(found.made, found.selection, options);
}
