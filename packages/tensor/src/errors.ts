/** Stable machine-readable codes for every error this package (and a conforming backend) raises. */
export type TensorErrorCode =
  /** A bad argument that is not a shape problem: negative size, index out of range, NaN option. */
  | 'TENSOR_INVALID_ARGUMENT'
  /** Shapes that do not fit the operation (rank, inner dimension, heads, broadcast). */
  | 'TENSOR_SHAPE_MISMATCH'
  /** A tensor was used after `dispose()` (or after the scope that owned it ended). */
  | 'TENSOR_DISPOSED'
  /** A tensor handle created by another backend (or another backend instance) was passed in. */
  | 'TENSOR_FOREIGN'
  /** The operation exists in the interface but this backend does not offer it (see capabilities). */
  | 'TENSOR_UNSUPPORTED'
  /** `createBackend` was given a name nobody registered. */
  | 'TENSOR_UNKNOWN_BACKEND'
  /** The backend is registered but cannot run here (missing package, no GPU, ...). */
  | 'TENSOR_BACKEND_UNAVAILABLE'
  /** The backend's runtime failed to compile or run a computation (the message has its reason). */
  | 'TENSOR_EXECUTION_FAILED'
  /** `registerBackend` was called twice with the same name without `{ replace: true }`. */
  | 'TENSOR_DUPLICATE_BACKEND';

/**
 * The one error class of `@meerkat/tensor`; backends throw it too. Switch on `code`, not on the
 * message. (Check `error.name === 'TensorError'` plus `code` if two copies of the package may be
 * loaded; `instanceof` only works within one copy.)
 */
export class TensorError extends Error {
  override readonly name = 'TensorError';
  readonly code: TensorErrorCode;

  constructor(code: TensorErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** True for a `TensorError` from any copy of this package, optionally with the given code. */
export function isTensorError(error: unknown, code?: TensorErrorCode): error is TensorError {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown };
  return e.name === 'TensorError' && (code === undefined || e.code === code);
}

/**
 * Why something failed, as a person reads it: the error's message (or the thrown value as a
 * string); with `firstLine`, only its first line.
 */
export function errorReason(error: unknown, firstLine = false): string {
  const message = error instanceof Error ? error.message : String(error);
  return firstLine ? (message.split('\n')[0] ?? message) : message;
}
