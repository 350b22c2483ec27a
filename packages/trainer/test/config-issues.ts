import { expect } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { type ConfigIssue, MeerkatError } from '../src/errors.js';

/** The issues `parseRunConfig` refuses `input` with (MEERKAT_CONFIG_INVALID); fails if it accepts it. */
export function issuesOf(input: unknown): readonly ConfigIssue[] {
  try {
    parseRunConfig(input, { baseDir: '/base' });
  } catch (e) {
    expect(e).toBeInstanceOf(MeerkatError);
    expect((e as MeerkatError).code).toBe('MEERKAT_CONFIG_INVALID');
    return (e as MeerkatError).issues;
  }
  throw new Error('expected the config to be rejected');
}
