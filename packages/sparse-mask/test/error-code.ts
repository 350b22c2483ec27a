import { SparseMaskError, type SparseMaskErrorCode } from '../src/errors.js';

/** Runs `fn` and returns the `code` of the SparseMaskError it throws, or 'no error'. */
export function errorCodeOf(fn: () => unknown): SparseMaskErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof SparseMaskError) return e.code;
    throw e;
  }
  return 'no error';
}
