/** Stable machine-readable codes for every error this package raises. */
export type FedAggregateErrorCode =
  | 'FED_INVALID_ARGUMENT'
  | 'FED_INVALID_STATE'
  | 'FED_UNSUPPORTED'
  | 'FED_DIMENSION_MISMATCH'
  | 'FED_CORRUPT'
  | 'FED_TRUNCATED'
  | 'FED_UNSUPPORTED_VERSION'
  | 'FED_CATCH_UP_GAP'
  | 'FED_PARTITION_INFEASIBLE';

/** The one error class of `@meerkat/fed-aggregate`; switch on `code`, not on the message. */
export class FedAggregateError extends Error {
  override readonly name = 'FedAggregateError';
  readonly code: FedAggregateErrorCode;

  constructor(code: FedAggregateErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
