import { defineProject } from 'vitest/config';

/**
 * The vitest project every package uses. Workspace packages resolve each other through the
 * `meerkat-source` export condition (their TypeScript sources), so tests need no build first.
 */
export function meerkatProject(name: string) {
  const conditions = ['meerkat-source', 'module', 'node', 'development|production'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['meerkat-source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
    },
  });
}
