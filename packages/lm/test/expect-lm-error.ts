import { expect } from 'vitest';
import { LmError } from '../src/errors.js';

/** Asserts that `fn` throws an LmError with `code` whose message contains every one of `parts`. */
export function expectLmError(fn: () => unknown, code: string, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LmError);
    expect((e as LmError).code).toBe(code);
    for (const p of parts) expect((e as LmError).message).toContain(p);
    return;
  }
  throw new Error(`expected LmError ${code}`);
}

/** The promise form of {@link expectLmError}: it must reject with such an LmError, returned. */
export async function expectLmErrorAsync(
  promise: Promise<unknown>,
  code: string,
  ...parts: string[]
): Promise<LmError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LmError);
  expect((error as LmError).code).toBe(code);
  for (const p of parts) expect((error as LmError).message).toContain(p);
  return error as LmError;
}
