// Links a package's bins the way npm does on install (node_modules/<name> → the package,
// node_modules/.bin/<bin> → a relative link to the bin file, made executable), so tests can run
// the commands exactly as `npx <bin>` would after `npm ci` in a fresh clone.
import { chmodSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The `bin` map of the package in `packageDir`. */
export function packageBins(packageDir: string): { name: string; bins: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    bin?: Record<string, string>;
  };
  return { name: pkg.name, bins: pkg.bin ?? {} };
}

/** Links every bin of `packageDir` into `<project>/node_modules/.bin`; returns their paths. */
export function linkBins(packageDir: string, project: string): Record<string, string> {
  const { name, bins } = packageBins(packageDir);
  const modules = join(project, 'node_modules');
  const linked = join(modules, name);
  mkdirSync(dirname(linked), { recursive: true });
  symlinkSync(packageDir, linked, 'dir');
  const binDir = join(modules, '.bin');
  mkdirSync(binDir, { recursive: true });
  const out: Record<string, string> = {};
  for (const [bin, target] of Object.entries(bins)) {
    const file = join(linked, target);
    chmodSync(file, 0o755);
    const link = join(binDir, bin);
    symlinkSync(relative(binDir, file), link);
    out[bin] = link;
  }
  return out;
}
