import type { Backend } from './backend.js';
import { errorReason, TensorError } from './errors.js';
import { createReferenceBackend } from './reference-backend.js';

/**
 * The backend registry. Backend packages register factories by name (`'tfjs:wasm'`,
 * `'gpujs:webgl'`, ...); applications create backends by name, or by `'<family>:auto'` to get
 * the first available backend of a family in the order the family declares.
 */

/** What a factory returns when its backend cannot run here: a reason a person can act on. */
export interface Unavailable {
  readonly unavailable: string;
}

/** Makes a backend, or says why it cannot (sync or async). It may also throw. */
export type BackendFactory = () => Backend | Unavailable | Promise<Backend | Unavailable>;

export interface RegisterOptions {
  /** Replace an existing registration of the same name instead of throwing. */
  readonly replace?: boolean;
  /**
   * Order among the family's backends for `'<family>:auto'` (lower first; default 0, ties in
   * registration order). The family is the part of the name before the first ':'.
   */
  readonly priority?: number;
}

interface Entry {
  readonly factory: BackendFactory;
  readonly priority: number;
  readonly order: number;
}

/** `'reference:cpu'` is built in (lowest priority in its family). */
const registry = new Map<string, Entry>([
  ['reference:cpu', { factory: createReferenceBackend, priority: 1000, order: 0 }],
]);
let registrations = 1;

/**
 * Backend packages found by convention: a name whose family has no registrations makes
 * `createBackend` try `import('@meerkat/backend-<family>')` and call its `registerBackends()`
 * export, so `createBackend('tfjs:wasm')` works once `@meerkat/backend-tfjs` is installed, with
 * no import in the application. Why a plugin could not be loaded is kept for error messages.
 */
const pluginFailures = new Map<string, string>();
const pluginsTried = new Set<string>();

/** Families whose package name is not the family name (`ort:*` lives in backend-onnxruntime). */
const PACKAGE_OF_FAMILY: Readonly<Record<string, string>> = { ort: 'onnxruntime' };

/** The module specifier a family's backend package is looked up under. */
export function backendPackageName(family: string): string {
  return `@meerkat/backend-${PACKAGE_OF_FAMILY[family] ?? family}`;
}

async function discoverFamily(family: string): Promise<void> {
  if (pluginsTried.has(family) || !/^[a-z0-9-]+$/.test(family)) return;
  if (registeredBackends().some((n) => n.startsWith(`${family}:`))) return;
  pluginsTried.add(family);
  const specifier = backendPackageName(family);
  try {
    const module = (await import(/* @vite-ignore */ specifier)) as {
      registerBackends?: unknown;
    };
    if (typeof module.registerBackends !== 'function') {
      pluginFailures.set(family, `${specifier} has no registerBackends() export`);
      return;
    }
    (module.registerBackends as () => void)();
  } catch (error) {
    pluginFailures.set(
      family,
      `could not import ${specifier} (npm install ${specifier}): ${errorReason(error, true)}`,
    );
  }
}

/** A factory's way to say "not here", with the reason. */
export function unavailable(reason: string): Unavailable {
  return { unavailable: reason };
}

function isUnavailable(value: Backend | Unavailable): value is Unavailable {
  return typeof (value as { unavailable?: unknown }).unavailable === 'string';
}

export function registerBackend(
  name: string,
  factory: BackendFactory,
  options: RegisterOptions = {},
): void {
  if (!/^[a-z0-9-]+:[a-z0-9-]+$/.test(name) || name.endsWith(':auto')) {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `backend name '${name}' must look like 'family:variant' (lower case, digits, '-'), and the variant may not be 'auto'`,
    );
  }
  if (typeof factory !== 'function') {
    throw new TensorError(
      'TENSOR_INVALID_ARGUMENT',
      `registerBackend('${name}'): factory must be a function`,
    );
  }
  if (registry.has(name) && options.replace !== true) {
    throw new TensorError(
      'TENSOR_DUPLICATE_BACKEND',
      `backend '${name}' is already registered; pass { replace: true } to replace it`,
    );
  }
  registry.set(name, { factory, priority: options.priority ?? 0, order: registrations++ });
}

/** Removes a registration (for tests and hot reloading). Returns whether it existed. */
export function unregisterBackend(name: string): boolean {
  return registry.delete(name);
}

/** Registered names, sorted. */
export function registeredBackends(): string[] {
  return [...registry.keys()].sort();
}

/** Whether a backend can be created here, and why not. */
export type BackendAvailability =
  | { readonly name: string; readonly available: true }
  | { readonly name: string; readonly available: false; readonly reason: string };

async function attempt(entry: Entry): Promise<Backend | Unavailable> {
  try {
    const made = await entry.factory();
    if (made === null || typeof made !== 'object') {
      return unavailable(`factory returned ${String(made)} instead of a backend`);
    }
    return made;
  } catch (error) {
    return unavailable(`factory threw: ${errorReason(error)}`);
  }
}

/**
 * Tries every registered backend (creating and immediately dropping each that works) and says
 * which are available here. Backends hold no resources until used, so dropping is safe; a
 * backend with a `close()` should not be probed in a hot loop.
 */
export async function probeBackends(): Promise<BackendAvailability[]> {
  const out: BackendAvailability[] = [];
  for (const name of registeredBackends()) {
    const made = await attempt(registry.get(name)!);
    out.push(
      isUnavailable(made)
        ? { name, available: false, reason: made.unavailable }
        : { name, available: true },
    );
  }
  return out;
}

/** Every registered backend, with the reasons found in `tried` or by probing the rest. */
async function listing(tried: ReadonlyMap<string, string>): Promise<string> {
  const names = registeredBackends();
  const lines: string[] = [];
  for (const [family, reason] of pluginFailures) lines.push(`  ${family}:*: ${reason}`);
  for (const n of names) {
    let reason = tried.get(n);
    if (reason === undefined) {
      const made = await attempt(registry.get(n)!);
      if (isUnavailable(made)) reason = made.unavailable;
    }
    lines.push(reason === undefined ? `  ${n}: available` : `  ${n}: unavailable: ${reason}`);
  }
  return lines.join('\n');
}

/**
 * Creates a backend by name, or `'<family>:auto'` for the family's first available one. A
 * family with no registrations is first looked up as the package `@meerkat/backend-<family>`.
 * Throws `TENSOR_UNKNOWN_BACKEND` (name not registered, or an empty family) or
 * `TENSOR_BACKEND_UNAVAILABLE` (every candidate reported unavailable or threw); both messages
 * list the registered backends with the reason each one tried is not available.
 */
export async function createBackend(name: string): Promise<Backend> {
  const tried = new Map<string, string>();
  await discoverFamily(name.split(':')[0] ?? '');
  let candidates: string[];
  if (name.endsWith(':auto')) {
    const family = name.slice(0, -':auto'.length);
    candidates = [...registry.entries()]
      .filter(([n]) => n.startsWith(`${family}:`))
      .sort(([, a], [, b]) => a.priority - b.priority || a.order - b.order)
      .map(([n]) => n);
    if (candidates.length === 0) {
      throw new TensorError(
        'TENSOR_UNKNOWN_BACKEND',
        `no '${family}:*' backend is registered for '${name}'. Registered:\n${await listing(tried)}`,
      );
    }
  } else {
    if (!registry.has(name)) {
      throw new TensorError(
        'TENSOR_UNKNOWN_BACKEND',
        `unknown backend '${name}'. Registered:\n${await listing(tried)}`,
      );
    }
    candidates = [name];
  }
  for (const candidate of candidates) {
    const made = await attempt(registry.get(candidate)!);
    if (!isUnavailable(made)) return made;
    tried.set(candidate, made.unavailable);
  }
  throw new TensorError(
    'TENSOR_BACKEND_UNAVAILABLE',
    `backend '${name}' is not available here. Registered:\n${await listing(tried)}`,
  );
}
