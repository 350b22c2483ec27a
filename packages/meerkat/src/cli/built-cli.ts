import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The path of the built CLI (dist/cli.js), for running cells in child processes; null when this
 * code runs from the TypeScript sources and the package has not been built.
 */
export function builtCliPath(): string | null {
  const candidates = [
    new URL('./cli.js', import.meta.url), // bundled: dist/cli.js or a dist/ chunk
    new URL('../../dist/cli.js', import.meta.url), // sources: src/cli/built-cli.ts
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (path.endsWith(`dist${'/'}cli.js`) && existsSync(path)) return path;
  }
  return null;
}
