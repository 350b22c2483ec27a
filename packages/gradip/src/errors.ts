/** Stable machine-readable codes for every error this package raises. */
export type GradipErrorCode =
  | 'GRADIP_INVALID_ARGUMENT'
  | 'GRADIP_LENGTH_MISMATCH'
  | 'GRADIP_EMPTY_SERIES'
  | 'GRADIP_SERIES_TOO_SHORT'
  | 'GRADIP_WINDOW_TOO_LARGE'
  | 'GRADIP_NON_FINITE'
  | 'GRADIP_ZERO_SCALE'
  | 'GRADIP_UNKNOWN_CLIENT'
  | 'GRADIP_INVALID_STATE';

/** The one error class of `@meerkat/gradip`; switch on `code`, not on the message. */
export class GradipError extends Error {
  override readonly name = 'GradipError';
  readonly code: GradipErrorCode;

  /** `options.cause` keeps the underlying error (e.g. zo-estimator's `ZoError`). */
  constructor(code: GradipErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
