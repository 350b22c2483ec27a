import { type Backend, createBackend, isTensorError } from '@meerkat/tensor';
import { MeerkatError } from './errors.js';
import { METHOD_PRESETS } from './methods.js';
import type { MethodName } from './run-files.js';

/**
 * `'auto'`: zeroth-order work (forward passes) runs on the fastest forward-capable backend
 * present, gradient work (mask calibration, mask energy, fedavg-sgd) on a gradient-capable one.
 */
export const DEFAULT_BACKEND = 'auto';

/** Forward-capable families tried by `'auto'`, fastest first (ONNX Runtime, then TensorFlow.js). */
export const FORWARD_AUTO_ORDER: readonly string[] = ['ort:auto', 'tfjs:auto'];

/** Where gradient work runs under `'auto'`, or when the chosen backend has no gradients. */
export const GRADIENT_AUTO = 'tfjs:auto';

/** A backend and why it was chosen (printed by the CLI). */
export interface BackendChoice {
  readonly backend: Backend;
  readonly reason: string;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** The engines a family's `auto` skipped before choosing (from `backend.selection`). */
function skippedEngines(backend: Backend): string[] {
  const skipped = (backend as { selection?: { skipped?: unknown } }).selection?.skipped;
  if (!Array.isArray(skipped)) return [];
  return skipped.flatMap((s: { engine?: unknown; mode?: unknown }) => {
    const variant = s.engine ?? s.mode;
    return typeof variant === 'string' ? [`${backend.name.split(':')[0]}:${variant}`] : [];
  });
}

/** `name`, or for `'auto'` the first of {@link FORWARD_AUTO_ORDER} that runs here. */
export async function forwardBackend(name: string = DEFAULT_BACKEND): Promise<BackendChoice> {
  if (name !== DEFAULT_BACKEND) {
    const backend = await createBackend(name);
    return { backend, reason: `backend ${name} as configured` };
  }
  const skipped: string[] = [];
  const failures: string[] = [];
  for (const candidate of FORWARD_AUTO_ORDER) {
    try {
      const backend = await createBackend(candidate);
      const notHere = [...skipped, ...skippedEngines(backend)];
      return {
        backend,
        reason: [
          'the fastest forward-capable backend present',
          ...(notHere.length === 0 ? [] : [`not available here: ${notHere.join(', ')}`]),
        ].join('; '),
      };
    } catch (error) {
      if (!isTensorError(error)) throw error;
      skipped.push(candidate);
      failures.push(`${candidate}: ${firstLine(error)}`);
    }
  }
  throw new MeerkatError(
    'MEERKAT_BACKEND_UNSUPPORTED',
    `no forward-capable backend could be created: ${failures.join('; ')}`,
  );
}

/**
 * A backend with gradients: `preferred` when it has them, else {@link GRADIENT_AUTO}. `why` says
 * what needs gradients (for the reason line).
 */
export async function gradientBackend(why: string, preferred?: Backend): Promise<BackendChoice> {
  if (preferred?.capabilities.gradients === true) {
    return { backend: preferred, reason: `${why} on ${preferred.name}` };
  }
  const backend = await createBackend(GRADIENT_AUTO);
  if (!backend.capabilities.gradients) {
    throw new MeerkatError(
      'MEERKAT_BACKEND_UNSUPPORTED',
      `${why} needs gradients, and ${backend.name} has none`,
    );
  }
  return {
    backend,
    reason:
      preferred === undefined
        ? `${why} on ${backend.name} (gradients)`
        : `${why} on ${backend.name}: ${preferred.name} computes forward passes only`,
  };
}

/**
 * The backend a run's clients and evaluation use, as the trainer chooses it: a gradient-capable
 * one for a first-order method (fedavg-sgd), else `config.backend` (`'auto'`: the fastest
 * forward-capable backend). The run's gradient work (mask calibration, mask energy) runs on
 * `gradientBackend(why, thatBackend)`: the same backend when it has gradients, else
 * {@link GRADIENT_AUTO}.
 */
export async function trainingBackend(config: {
  readonly method: MethodName;
  readonly backend: string;
}): Promise<BackendChoice> {
  if (METHOD_PRESETS[config.method].optimizer !== 'sgd') return forwardBackend(config.backend);
  if (config.backend === DEFAULT_BACKEND) return gradientBackend('fedavg-sgd (first-order)');
  const named = (await forwardBackend(config.backend)).backend;
  if (!named.capabilities.gradients) {
    throw new MeerkatError(
      'MEERKAT_BACKEND_UNSUPPORTED',
      `method fedavg-sgd needs gradients, and backend ${named.name} has none: use backend 'auto' or '${GRADIENT_AUTO}' (or 'tfjs:wasm' / 'tfjs:cpu')`,
    );
  }
  return { backend: named, reason: `backend ${named.name} as configured` };
}

/**
 * A backend by registry name; `'auto'` (the default) is the fastest forward-capable one
 * ({@link forwardBackend}). `backend.selection.summary`, where the backend has one, says which
 * engine it picked and why better ones were skipped.
 */
export async function defaultBackend(name: string = DEFAULT_BACKEND): Promise<Backend> {
  return (await forwardBackend(name)).backend;
}
