import type { Backend } from './backend.js';
import { errorReason, TensorError } from './errors.js';
import { type BackendFactory, registerBackend, unavailable } from './registry.js';

/**
 * A backend family: the variants one backend package offers as `'<family>:<variant>'` (the
 * TensorFlow.js engines, the gpu.js modes, the ONNX Runtime engines), best first. The helpers
 * below are what each backend package's `create…Backend` and `register…Backends` are made of:
 * try the variants in order, record why each better one was skipped, and describe the choice as
 * the backend's `selection`, whose variant field is named `key` (`{ engine, skipped, summary }`).
 */
export interface BackendFamily<K extends string, V extends string> {
  /** The registry family, the part of the names before ':' (`'tfjs'`). */
  readonly family: string;
  /** The name of the variant field in a selection and its skipped entries (`'engine'`). */
  readonly key: K;
  /** What one variant is called in messages (`'TensorFlow.js engine'`, `'gpu.js mode'`). */
  readonly noun: string;
  /** Every variant, best first: the `auto` order and the registry priorities 0, 1, …. */
  readonly order: readonly V[];
  /** The reason recorded when making a variant throws (default: the error's whole message). */
  readonly reasonOf?: (error: unknown) => string;
}

/** A better variant that was passed over, and why: `{ engine: 'node-gpu', reason }`. */
export type SkippedVariant<K extends string, V extends string> = { readonly [P in K]: V } & {
  readonly reason: string;
};

/** How a variant came to be chosen: `{ engine, skipped: [{ engine, reason }], summary }`. */
export type FamilySelection<K extends string, V extends string> = { readonly [P in K]: V } & {
  /** Better variants that were tried and cannot run here, with the reason. */
  readonly skipped: readonly SkippedVariant<K, V>[];
  /** One line: `chose tfjs:wasm; tfjs:node-gpu skipped: why; …`. */
  readonly summary: string;
};

/** The selection of `chosen` after `skipped` (what backends keep as `selection`). */
export function familySelection<K extends string, V extends string>(
  family: BackendFamily<K, V>,
  chosen: NoInfer<V>,
  skipped: readonly SkippedVariant<NoInfer<K>, NoInfer<V>>[],
): FamilySelection<K, V> {
  const { family: name, key } = family;
  const summary = [
    `chose ${name}:${chosen}`,
    ...skipped.map((s) => `${name}:${s[key]} skipped: ${s.reason}`),
  ].join('; ');
  return { [key]: chosen, skipped, summary } as FamilySelection<K, V>;
}

/**
 * Makes something on `variant` (a backend, or what a backend is built from), given the selection
 * it would have; throws (or rejects) with the reason when the variant cannot run here.
 */
export type MakeVariant<K extends string, V extends string, T> = (
  variant: V,
  selection: FamilySelection<K, V>,
) => Promise<T>;

/** What {@link firstAvailable} found: what was made, and how its variant was chosen. */
export interface AvailableVariant<K extends string, V extends string, T> {
  readonly made: T;
  readonly selection: FamilySelection<K, V>;
}

function reasonOf(family: BackendFamily<string, string>, error: unknown): string {
  return family.reasonOf === undefined ? errorReason(error) : family.reasonOf(error);
}

function skippedEntry<K extends string, V extends string>(
  family: BackendFamily<K, V>,
  variant: V,
  reason: string,
): SkippedVariant<K, V> {
  return { [family.key]: variant, reason } as SkippedVariant<K, V>;
}

/**
 * Tries the variants `requested` stands for (`'auto'`: every one of `autoOrder`, default the
 * family's order; else that variant alone) and returns the first that `make` makes, with its
 * selection (the ones skipped before it, and why). Throws `TENSOR_INVALID_ARGUMENT` for a name that is neither `'auto'`
 * nor in the family's order, and `TENSOR_BACKEND_UNAVAILABLE` listing every variant's reason
 * when none can be made.
 */
export async function firstAvailable<K extends string, V extends string, T>(
  family: BackendFamily<K, V>,
  requested: string,
  make: MakeVariant<K, V, T>,
  autoOrder: readonly V[] = family.order,
): Promise<AvailableVariant<K, V, T>> {
  if (requested !== 'auto' && !(family.order as readonly string[]).includes(requested)) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `unknown ${family.noun} '${requested}'; use one of ${family.order.join(', ')} or auto`,
    );
  }
  const candidates = requested === 'auto' ? autoOrder : [requested as V];
  const skipped: SkippedVariant<K, V>[] = [];
  for (const variant of candidates) {
    const selection = familySelection(family, variant, [...skipped]);
    try {
      return { made: await make(variant, selection), selection };
    } catch (error) {
      skipped.push(skippedEntry(family, variant, reasonOf(family, error)));
    }
  }
  throw new TensorError(
    'TENSOR_BACKEND_UNAVAILABLE',
    `no ${family.noun} is available (${requested}):\n${skipped.map((s) => `  ${family.family}:${s[family.key]}: ${s.reason}`).join('\n')}`,
  );
}

/** Options of {@link registerFamily}. */
export interface RegisterFamilyOptions<V extends string> {
  /** Replace earlier registrations of the same names (default false: registering twice throws). */
  readonly replace?: boolean | undefined;
  /** Whether a better variant that failed is named among the skipped ones (default: all are). */
  readonly reportsSkip?: (variant: V) => boolean;
}

/**
 * Registers `'<family>:<variant>'` for every variant of the family's order, at its index as the
 * priority, so `createBackend('<family>:auto')` takes the first that works here. Nothing is made
 * until a backend is created; a variant whose `make` throws is `unavailable(reason)`, and the
 * reasons of better variants that failed earlier are in the `selection` passed to `make`.
 */
export function registerFamily<K extends string, V extends string>(
  family: BackendFamily<K, V>,
  make: MakeVariant<K, V, Backend>,
  options: RegisterFamilyOptions<V> = {},
): void {
  /** Why each variant last failed here. */
  const failures = new Map<V, string>();
  const reports = options.reportsSkip ?? (() => true);
  family.order.forEach((variant, priority) => {
    const factory: BackendFactory = async () => {
      const skipped = family.order.slice(0, priority).flatMap((better) => {
        const reason = reports(better) ? failures.get(better) : undefined;
        return reason === undefined ? [] : [skippedEntry(family, better, reason)];
      });
      try {
        const backend = await make(variant, familySelection(family, variant, skipped));
        failures.delete(variant);
        return backend;
      } catch (error) {
        const reason = reasonOf(family, error);
        failures.set(variant, reason);
        return unavailable(reason);
      }
    };
    registerBackend(`${family.family}:${variant}`, factory, {
      priority,
      ...(options.replace === undefined ? {} : { replace: options.replace }),
    });
  });
}
