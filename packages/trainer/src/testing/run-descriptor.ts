import type { RunDescriptor } from '../protocol/messages.js';

/**
 * A run descriptor for protocol tests that need one without a model: ZO, k = 4, one Gaussian
 * direction, lr 0.01, run and data seed 1, and `overrides` on top.
 */
export function testRunDescriptor(overrides: Partial<RunDescriptor> = {}): RunDescriptor {
  return {
    runId: 'test',
    runSeed: '1',
    dataSeed: '1',
    optimizer: 'zo',
    lr: 0.01,
    eps: 1e-3,
    directions: 1,
    distribution: 'gaussian',
    batchSize: 1,
    k: 4,
    layoutFingerprint: '0000000000000000',
    ...overrides,
  };
}
