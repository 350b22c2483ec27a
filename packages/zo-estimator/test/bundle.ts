import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript entry of this package (resolving workspace packages through the
 * `meerkat-source` condition, as the tests do) into one .mjs file under a fresh temporary
 * directory, so a plain `node` child process or a browser build check can run the code under
 * test without a `dist/` build. Returns the file and a cleanup function.
 */
export async function bundleForTest(
  entry: URL,
  platform: 'node' | 'browser',
): Promise<{ file: string; text: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'zo-estimator-test-'));
  const file = join(dir, 'bundle.mjs');
  try {
    await build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform,
      format: 'esm',
      target: 'es2022',
      conditions: ['meerkat-source'],
      outfile: file,
      logLevel: 'silent',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    file,
    text: readFileSync(file, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
