/** Stable machine-readable codes for every error this package raises. */
export type SeededErrorCode =
  | 'SEEDED_INVALID_SEED'
  | 'SEEDED_INVALID_ARGUMENT'
  | 'SEEDED_STREAM_EXHAUSTED';

/** The one error class of `@meerkat/seeded`; switch on `code`, not on the message. */
export class SeededError extends Error {
  override readonly name = 'SeededError';
  readonly code: SeededErrorCode;

  constructor(code: SeededErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
