import type { MemoryInfo, Tensor } from './backend.js';
import { TensorError } from './errors.js';
import { ScopeAccounting } from './scope-accounting.js';

/** What a {@link BackendTensor} needs from the backend that made it. */
export interface TensorOwner {
  readonly name: string;
  /** Frees the handle now; idempotent. */
  release(handle: BackendTensor<unknown>): void;
}

/**
 * A tensor handle for backend implementers. Shape, size and owner are fixed; `storage` is the
 * backend's own representation of the values (a `Float32Array`, a `tf.Tensor`, a texture, a
 * recorded op, ...), which the backend may swap (e.g. in `scatterUpdate`) and which is null once
 * the handle is disposed. Subclass it to give a backend's handles their own class name.
 */
export class BackendTensor<S> implements Tensor {
  readonly dtype = 'float32' as const;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: string;
  readonly owner: TensorOwner;
  /** The backend's storage; null once disposed. */
  storage: S | null;

  constructor(
    owner: TensorOwner,
    storage: S,
    shape: readonly number[],
    size = shape.reduce((n, d) => n * d, 1),
  ) {
    this.owner = owner;
    this.backend = owner.name;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.size = size;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Bytes `memory()` counts for this handle: 4 per float32 element. */
  get bytes(): number {
    return 4 * this.size;
  }

  dispose(): void {
    this.owner.release(this);
  }
}

/**
 * The lifetime half of a backend, written once for every backend (as tfjs-core's Engine owns
 * tidy/keep/dispose/memory for each of its backends): it implements `dispose`, `scope`, `keep`
 * and `memory` of the `Backend` interface, counts live handles and bytes per instance, and
 * rejects another backend's (or instance's) handles with `TENSOR_FOREIGN` and disposed ones with
 * `TENSOR_DISPOSED`. A backend extends it and only stores and computes:
 *
 * - make each handle as a `BackendTensor` (or a subclass, `H`) and pass it to `track`;
 * - read every input through `live` (the handle) or `storageOf` (its storage), which validate;
 * - override `freeStorage` when storage needs freeing beyond dropping the reference.
 *
 * `S` is the backend's storage type, `H` its handle class.
 */
export abstract class TensorLifetime<S, H extends BackendTensor<S> = BackendTensor<S>>
  implements TensorOwner
{
  /** `Backend.name`: `'family:variant'`. */
  readonly name: string;
  readonly #accounting: ScopeAccounting<H>;

  constructor(name: string) {
    this.name = name;
    this.#accounting = new ScopeAccounting<H>({
      isHandle: (value): value is H => this.#owns(value),
      bytesOf: (handle) => handle.bytes,
      free: (handle) => {
        const storage = handle.storage;
        handle.storage = null;
        if (storage !== null) this.freeStorage(storage, handle);
      },
    });
  }

  /**
   * Frees what `handle` held (`storage`; the handle is already marked disposed). Called once per
   * handle, when it is disposed or its scope ends. Default: nothing (the storage is garbage
   * collected).
   */
  protected freeStorage(_storage: S, _handle: H): void {}

  /** Records a new handle as live, owned by the innermost open scope. Returns it. */
  protected track<T extends H>(handle: T): T {
    return this.#accounting.track(handle);
  }

  /**
   * `x` as this instance's live handle. Throws `TENSOR_FOREIGN` for a handle of another backend
   * or instance and `TENSOR_DISPOSED` for a disposed one.
   */
  protected live(x: Tensor): H {
    if (!this.#owns(x)) {
      throw new TensorError(
        'TENSOR_FOREIGN',
        `${this.name}: got a tensor of backend '${String((x as { backend?: unknown } | null)?.backend)}'; pass tensors only to the backend instance that made them`,
      );
    }
    if (x.storage === null) {
      throw new TensorError(
        'TENSOR_DISPOSED',
        `${this.name}: tensor [${x.shape.join(', ')}] was disposed`,
      );
    }
    return x;
  }

  /** The storage of `x`, validated as `live` does. */
  protected storageOf(x: Tensor): S {
    return this.live(x).storage as S;
  }

  /**
   * Runs `fn` in a scope that frees every handle `fn` creates, returned or not (kept ones
   * excepted), even if it throws: for internals such as gradient tapes that copy out what they
   * need first.
   */
  protected transient<T>(fn: () => T): T {
    return this.#accounting.transient(fn);
  }

  /** Frees one of this instance's handles (what `handle.dispose()` calls). Idempotent. */
  release(handle: H): void {
    this.#accounting.release(handle);
  }

  /** `Backend.dispose`: idempotent for this instance's handles; `TENSOR_FOREIGN` for others. */
  dispose(x: Tensor | readonly Tensor[]): void {
    const list: readonly Tensor[] = Array.isArray(x) ? x : [x as Tensor];
    for (const t of list) {
      if (this.#owns(t)) this.release(t);
      else this.live(t); // throws TENSOR_FOREIGN
    }
  }

  /** `Backend.scope` (see `ScopeAccounting.scope`). */
  scope<R>(fn: () => R): R {
    return this.#accounting.scope(fn);
  }

  /** `Backend.keep`: validates `x`, then exempts it from the open scopes. */
  keep<T extends Tensor>(x: T): T {
    this.#accounting.keep(this.live(x));
    return x;
  }

  /** `Backend.memory`: this instance's live handles and their bytes. */
  memory(): MemoryInfo {
    return this.#accounting.memory();
  }

  /** Only this instance makes handles it owns, so they are all of its handle class `H`. */
  #owns(value: unknown): value is H {
    return value instanceof BackendTensor && value.owner === this;
  }
}
