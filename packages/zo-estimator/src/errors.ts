/** Stable machine-readable codes for every error this package raises. */
export type ZoErrorCode =
  | 'ZO_INVALID_ARGUMENT'
  | 'ZO_NON_FINITE_LOSS'
  | 'ZO_NON_FINITE_GRADIENT'
  | 'ZO_INVALID_SEED'
  | 'ZO_POOL_CLOSED'
  | 'ZO_WORKER_FAILED';

/** The one error class of `@meerkat/zo-estimator`; switch on `code`, not on the message. */
export class ZoError extends Error {
  override readonly name = 'ZoError';
  readonly code: ZoErrorCode;
  /**
   * Objective evaluations spent before the error (set on `ZO_NON_FINITE_LOSS` from the
   * estimator, 0 otherwise), so forward-pass accounting stays exact when a step fails.
   */
  readonly forwardPasses: number;

  constructor(code: ZoErrorCode, message: string, forwardPasses = 0) {
    super(message);
    this.code = code;
    this.forwardPasses = forwardPasses;
  }
}
