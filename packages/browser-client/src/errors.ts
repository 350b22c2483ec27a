/** Stable codes of the browser client's errors. */
export type BrowserClientErrorCode =
  /** A model file could not be fetched (network error or a non-2xx response). */
  | 'BROWSER_FETCH_FAILED'
  /** `loadModelFromFiles` was not given a file the model needs. */
  | 'BROWSER_MISSING_FILE'
  /** A client option or a batch is invalid. */
  | 'BROWSER_INVALID_ARGUMENT';

/** The error class of the browser client (`meerkat/browser`); switch on `code`. */
export class BrowserClientError extends Error {
  override readonly name = 'BrowserClientError';
  readonly code: BrowserClientErrorCode;

  constructor(code: BrowserClientErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
