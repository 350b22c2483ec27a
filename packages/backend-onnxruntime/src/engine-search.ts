import { type BackendFactory, registerBackend, TensorError, unavailable } from '@meerkat/tensor';
import type { OrtEngine } from './engines.js';
import type { OrtBackend } from './ort-backend.js';

/** An engine passed over, and why. */
export interface SkippedEngine {
  readonly engine: OrtEngine;
  readonly reason: string;
}

/** Makes a backend on `engine` (told which better engines were skipped), or throws why not. */
export type MakeEngineBackend = (
  engine: OrtEngine,
  skipped: readonly SkippedEngine[],
) => Promise<OrtBackend>;

/** The first line of an error's message. */
export function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * The first of `candidates` that `make` can build. Throws `TENSOR_BACKEND_UNAVAILABLE` listing
 * every engine's reason when none can (`requested` names what was asked for).
 */
export async function firstAvailableEngine(
  requested: string,
  candidates: readonly OrtEngine[],
  make: MakeEngineBackend,
): Promise<OrtBackend> {
  const skipped: SkippedEngine[] = [];
  for (const engine of candidates) {
    try {
      return await make(engine, skipped);
    } catch (error) {
      skipped.push({ engine, reason: reasonOf(error) });
    }
  }
  throw new TensorError(
    'TENSOR_BACKEND_UNAVAILABLE',
    `no ONNX Runtime engine is available (${requested}):\n${skipped.map((s) => `  ort:${s.engine}: ${s.reason}`).join('\n')}`,
  );
}

/** Options of {@link registerEngines}. */
export interface RegisterEnginesOptions {
  readonly replace?: boolean;
  /** Whether a failed better engine is named among the skipped ones (default: all are). */
  readonly reportsSkip?: (engine: OrtEngine) => boolean;
}

/**
 * Registers `ort:<engine>` for each engine of `order`, at that priority, each made by `make`; an
 * engine that cannot be made is `unavailable(reason)`, and the reasons of better engines that
 * failed earlier are passed on as `skipped`.
 */
export function registerEngines(
  order: readonly OrtEngine[],
  make: MakeEngineBackend,
  options: RegisterEnginesOptions = {},
): void {
  const failures = new Map<OrtEngine, string>();
  const reports = options.reportsSkip ?? (() => true);
  order.forEach((engine, priority) => {
    const factory: BackendFactory = async () => {
      const skipped = order.slice(0, priority).flatMap((better) => {
        const reason = reports(better) ? failures.get(better) : undefined;
        return reason === undefined ? [] : [{ engine: better, reason }];
      });
      try {
        const backend = await make(engine, skipped);
        failures.delete(engine);
        return backend;
      } catch (error) {
        const reason = reasonOf(error);
        failures.set(engine, reason);
        return unavailable(reason);
      }
    };
    registerBackend(`ort:${engine}`, factory, {
      priority,
      ...(options.replace === undefined ? {} : { replace: options.replace }),
    });
  });
}
