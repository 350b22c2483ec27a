import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The demo's model: stories15M, the smallest model here that learns the task (DESIGN.md §7);
 * stories260K cannot move off the class prior at all.
 */
export const DEMO_FETCHED_MODEL = 'stories15M';

/** A local copy of it, relative to the repository root (or the working directory), used when present. */
export const DEMO_MODEL_RELATIVE = join('..', 'shared', 'models', DEMO_FETCHED_MODEL);

/** The monorepo root above `from` (a package.json with `workspaces`), or null. */
function findRepoRoot(from: string): string | null {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ('workspaces' in (JSON.parse(readFileSync(pkg, 'utf8')) as object)) return dir;
      } catch {
        // not JSON: keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The directories `meerkat demo` looks in when no --model is given, in order. */
export function demoModelCandidates(cwd: string): string[] {
  const roots = [cwd, findRepoRoot(cwd), findRepoRoot(dirname(fileURLToPath(import.meta.url)))];
  const seen = new Set<string>();
  for (const root of roots) if (root !== null) seen.add(resolve(root, DEMO_MODEL_RELATIVE));
  return [...seen];
}

/** The first candidate that holds a model (config.json), or null. */
export function findDemoModel(cwd: string): string | null {
  return demoModelCandidates(cwd).find((dir) => existsSync(join(dir, 'config.json'))) ?? null;
}
