/** Stable machine-readable codes for every error this package raises. */
export type ZoErrorCode =
  | 'ZO_INVALID_ARGUMENT'
  | 'ZO_NON_FINITE_LOSS'
  | 'ZO_NON_FINITE_GRADIENT'
  | 'ZO_INVALID_SEED';

/** The one error class of `@meerkat/zo-estimator`; switch on `code`, not on the message. */
export class ZoError extends Error {
  override readonly name = 'ZoError';
  readonly code: ZoErrorCode;

  constructor(code: ZoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
