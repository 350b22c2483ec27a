import type { MemoryInfo } from './backend.js';
import { TensorError } from './errors.js';

/** How a backend tells {@link ScopeAccounting} about its handles. */
export interface ScopeAccountingHooks<H extends object> {
  /** True for this backend's handles (used to find the handles a scope returns). */
  isHandle(value: unknown): value is H;
  /** Bytes the handle holds; read once, when it is tracked. */
  bytesOf(handle: H): number;
  /** Frees the handle's storage and marks it disposed. Called at most once per tracked handle. */
  free(handle: H): void;
}

/**
 * Per-backend-instance tensor accounting and scopes, for backend implementers: every live
 * handle, the bytes they hold, and a stack of the handles each open scope created. Disposal is
 * deterministic: a scope frees what it does not return or keep when it ends. Generic over the
 * backend's handle type; the backend still validates handles (foreign, disposed) itself.
 */
export class ScopeAccounting<H extends object> {
  readonly #hooks: ScopeAccountingHooks<H>;
  /** Live handles and the bytes each was tracked with. */
  readonly #live = new Map<H, number>();
  readonly #scopes: Set<H>[] = [];
  #bytes = 0;

  constructor(hooks: ScopeAccountingHooks<H>) {
    this.#hooks = hooks;
  }

  /** Live handles and their bytes, as `Backend.memory()` reports them. */
  memory(): MemoryInfo {
    return { tensors: this.#live.size, bytes: this.#bytes };
  }

  /** Records a new handle as live and owned by the innermost open scope (if any). */
  track<T extends H>(handle: T): T {
    const bytes = this.#hooks.bytesOf(handle);
    this.#live.set(handle, bytes);
    this.#bytes += bytes;
    this.#scopes[this.#scopes.length - 1]?.add(handle);
    return handle;
  }

  /** Frees a tracked handle and forgets it. Idempotent: a released or untracked handle is ignored. */
  release(handle: H): void {
    const bytes = this.#live.get(handle);
    if (bytes === undefined) return;
    this.#hooks.free(handle);
    this.#bytes -= bytes;
    this.#live.delete(handle);
    for (const s of this.#scopes) s.delete(handle);
  }

  /** Exempts a handle from every open scope (`Backend.keep`). */
  keep(handle: H): void {
    for (const s of this.#scopes) s.delete(handle);
  }

  /**
   * `Backend.scope`: runs `fn`; when it ends, handles reachable from its return value (through
   * arrays and plain objects) move to the enclosing scope, every other handle it created is freed.
   * If `fn` throws, everything it created is freed and the error rethrown. If `fn` returns a
   * promise (or thenable), everything it created is freed and a `TENSOR_INVALID_ARGUMENT`
   * `TensorError` is thrown: scopes are synchronous.
   */
  scope<R>(fn: () => R): R {
    const own = this.#open();
    let result: R;
    try {
      result = fn();
    } catch (error) {
      this.#close(own, new Set());
      throw error;
    }
    const survivors = new Set<H>();
    const isPromise = this.#collect(result, survivors);
    this.#close(own, isPromise ? new Set() : survivors);
    if (isPromise) {
      throw new TensorError(
        'TENSOR_INVALID_ARGUMENT',
        'scope: fn returned a promise; scopes are synchronous (await outside the scope)',
      );
    }
    return result;
  }

  /**
   * Runs `fn` in a scope that frees every handle `fn` creates, returned or not (kept ones
   * excepted), even if it throws. For backend internals such as gradient tapes that copy out
   * what they need before the scope ends.
   */
  transient<T>(fn: () => T): T {
    const own = this.#open();
    try {
      return fn();
    } finally {
      this.#close(own, new Set());
    }
  }

  #open(): Set<H> {
    const own = new Set<H>();
    this.#scopes.push(own);
    return own;
  }

  /** Closes the innermost scope: survivors move to the enclosing scope, the rest are freed. */
  #close(own: Set<H>, survivors: ReadonlySet<H>): void {
    const top = this.#scopes.pop();
    if (top !== own) throw new Error('ScopeAccounting: scopes closed out of order');
    const parent = this.#scopes[this.#scopes.length - 1];
    for (const h of own) {
      if (survivors.has(h)) parent?.add(h);
      else this.release(h);
    }
  }

  /** Adds every handle reachable from `value` (arrays, plain objects) to `out`; true for a promise. */
  #collect(value: unknown, out: Set<H>): boolean {
    if (typeof value !== 'object' || value === null) return false;
    if (typeof (value as { then?: unknown }).then === 'function') return true;
    if (this.#hooks.isHandle(value)) {
      out.add(value);
      return false;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.#collect(item, out);
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const item of Object.values(value)) this.#collect(item, out);
    }
    return false;
  }
}
