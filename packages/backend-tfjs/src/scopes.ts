import { TfjsTensor } from './tensor-handle.js';

/**
 * Per-backend-instance tensor accounting and scopes: every live handle, the bytes they hold, and
 * a stack of the handles each open scope created. Disposal is deterministic: a scope frees what
 * it does not return or keep when it ends.
 */
export class TensorAccounting {
  readonly #live = new Set<TfjsTensor>();
  readonly #scopes: Set<TfjsTensor>[] = [];
  #bytes = 0;

  get tensors(): number {
    return this.#live.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  track(t: TfjsTensor): TfjsTensor {
    this.#live.add(t);
    this.#bytes += t.bytes;
    this.#scopes[this.#scopes.length - 1]?.add(t);
    return t;
  }

  /** Disposes the handle's tf.Tensor and forgets it. Idempotent. */
  release(t: TfjsTensor): void {
    if (t.inner === null) return;
    t.inner.dispose();
    t.inner = null;
    this.#bytes -= t.bytes;
    this.#live.delete(t);
    for (const s of this.#scopes) s.delete(t);
  }

  /** Exempts a handle from every open scope. */
  keep(t: TfjsTensor): void {
    for (const s of this.#scopes) s.delete(t);
  }

  /** Opens a scope; returns its set of created handles. */
  open(): Set<TfjsTensor> {
    const own = new Set<TfjsTensor>();
    this.#scopes.push(own);
    return own;
  }

  /**
   * Closes the innermost scope: handles in `survivors` move to the enclosing scope (if any),
   * every other handle it created is disposed.
   */
  close(own: Set<TfjsTensor>, survivors: ReadonlySet<TfjsTensor>): void {
    const top = this.#scopes.pop();
    if (top !== own) throw new Error('scopes closed out of order');
    const parent = this.#scopes[this.#scopes.length - 1];
    for (const t of own) {
      if (survivors.has(t)) parent?.add(t);
      else this.release(t);
    }
  }
}

/** Adds every handle reachable from `value` (arrays, plain objects) to `out`; true for a promise. */
export function collectHandles(value: unknown, out: Set<TfjsTensor>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { then?: unknown }).then === 'function') return true;
  if (value instanceof TfjsTensor) {
    out.add(value);
    return false;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectHandles(item, out);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectHandles(item, out);
  }
  return false;
}
