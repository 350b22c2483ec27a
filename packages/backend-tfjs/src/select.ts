import { TensorError } from '@meerkat/tensor';
import {
  ENGINE_ORDER,
  type EngineLoader,
  type EngineVariant,
  loadEngine,
  type TfjsEngine,
} from './engines.js';
import { describeSelection, TfjsBackend, type TfjsBackendOptions } from './tfjs-backend.js';

export interface CreateTfjsOptions extends TfjsBackendOptions {
  /** Engine loader; defaults to the real one. A test seam to simulate installed/missing peers. */
  readonly loader?: EngineLoader;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  const candidates = variant === 'auto' ? ENGINE_ORDER : [variant];
  if (!ENGINE_ORDER.includes(candidates[0]!)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `unknown tfjs engine '${String(variant)}'; use one of ${ENGINE_ORDER.join(', ')} or auto`,
    );
  }
  const skipped: { engine: EngineVariant; reason: string }[] = [];
  for (const candidate of candidates) {
    let engine: TfjsEngine;
    try {
      engine = await loader(candidate);
    } catch (error) {
      skipped.push({ engine: candidate, reason: reasonOf(error) });
      continue;
    }
    // Outside the try: a bad option is the caller's error, not an unavailable engine.
    return new TfjsBackend(engine, describeSelection(candidate, skipped), options);
  }
  throw new TensorError(
    'TENSOR_BACKEND_UNAVAILABLE',
    `no TensorFlow.js engine is available (${variant}):\n${skipped.map((s) => `  tfjs:${s.engine}: ${s.reason}`).join('\n')}`,
  );
}
