// The one way tests reach the real pretrained models: `../shared/models/NAME` beside the
// repository (never copied into it). A test that needs one skips itself, and says so in its name,
// when the model is absent — except under CI=true, where a missing model fails the run instead of
// letting it pass with the model tests silently skipped.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real models `../shared/models` holds. */
export type SharedModelName = 'stories260K' | 'stories15M';

/** Where a shared model is and whether tests can use it. */
export interface SharedModel {
  readonly name: SharedModelName;
  /** `<repo>/../shared/models/NAME`, absolute. */
  readonly dir: string;
  /** Whether the directory holds the model (config.json). */
  readonly present: boolean;
  /** '' when present; otherwise ` [SKIPPED: …]`, to append to a test or suite name. */
  readonly skipNote: string;
}

function isWorkspaceRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (
      (JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined
    );
  } catch {
    return false;
  }
}

/**
 * The repository root: the nearest directory above this file whose package.json declares
 * workspaces (the same from `src/testing/` and from the built `dist/`), else the working
 * directory.
 */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isWorkspaceRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `../shared/models` relative to the repository root, absolute. */
export const SHARED_MODELS_DIR = join(dirname(repositoryRoot()), 'shared', 'models');

/** Whether this run must not skip model tests: CI=true (or 1). */
export function modelsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

/**
 * Finds a shared model. Absent under CI=true, this throws, so the test file that asked fails with
 * a message that says what to put where; absent otherwise, `present` is false and `skipNote`
 * explains the skip.
 */
export function sharedModel(name: SharedModelName): SharedModel {
  const dir = join(SHARED_MODELS_DIR, name);
  const present = existsSync(join(dir, 'config.json'));
  if (!present && modelsRequired()) {
    throw new Error(
      `CI=true and the real model ${name} is missing at ${dir}: put ../shared/models/${name} beside the repository (model tests must not be skipped in CI).`,
    );
  }
  const skipNote = present ? '' : ` [SKIPPED: ${dir} not found; put the ${name} model there]`;
  return { name, dir, present, skipNote };
}
