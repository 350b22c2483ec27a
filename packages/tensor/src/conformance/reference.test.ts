import { describe, expect, it } from 'vitest';
import { createBackend } from '../index.js';
import { checkBackend, runConformanceSuite } from './index.js';

runConformanceSuite(
  () => createBackend('reference:cpu'),
  { describe, it },
  {},
  'reference:cpu conformance',
);

describe('checkBackend on reference:cpu', () => {
  it('passes every case and skips only the gradient cases', async () => {
    const report = await checkBackend(await createBackend('reference:cpu'));
    expect(report.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    expect(report.skipped).toBe(2);
    expect(report.passed).toBeGreaterThan(60);
  });
});
