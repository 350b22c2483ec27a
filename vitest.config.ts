import { defineConfig } from 'vitest/config';

/**
 * Root test config: runs every package's tests in one process.
 * Packages resolve each other's `src/` through the `meerkat-source` export condition,
 * so tests need no prior build.
 */
export default defineConfig({
  test: {
    projects: ['packages/*'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
