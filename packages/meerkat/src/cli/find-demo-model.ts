import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the demo model lives, relative to the repository root (or the working directory). */
export const DEMO_MODEL_RELATIVE = join('..', 'shared', 'models', 'stories260K');

/** The model the demo fetches (into the Hugging Face cache) when there is none beside the repository. */
export const DEMO_FETCHED_MODEL = 'stories15M';

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
