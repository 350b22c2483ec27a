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
