import { MeerkatError } from '../errors.js';

/** The `MEERKAT_PROTOCOL` error of the v2 codecs: a frame that cannot be (en|de)coded or does not fit the run. */
export function protocolError(message: string, cause?: unknown): MeerkatError {
  return new MeerkatError('MEERKAT_PROTOCOL', message, cause === undefined ? undefined : { cause });
}
