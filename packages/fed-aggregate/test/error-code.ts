import { FedAggregateError, type FedAggregateErrorCode } from '../src/errors.js';

/** Runs `fn` and returns the `code` of the FedAggregateError it throws, or 'no error'. */
export function errorCodeOf(fn: () => unknown): FedAggregateErrorCode | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof FedAggregateError) return e.code;
    throw e;
  }
  return 'no error';
}
