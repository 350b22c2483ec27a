import { describe, expect, it } from 'vitest';
import { bundleForTest } from '../test/bundle.js';

describe('entry points', () => {
  it('the main entry bundles for the browser: no Node built-ins in its import graph', async () => {
    const bundle = await bundleForTest(new URL('./index.ts', import.meta.url), 'browser');
    try {
      expect(bundle.text).toContain('ZoOptimizer');
      expect(bundle.text).not.toMatch(/worker_threads|node:/);
    } finally {
      bundle.cleanup();
    }
  }, 30_000);

  it('the node entry needs Node built-ins (so it cannot be bundled for the browser)', async () => {
    await expect(bundleForTest(new URL('./node.ts', import.meta.url), 'browser')).rejects.toThrow(
      /worker_threads|node:os/,
    );
  }, 30_000);
});
