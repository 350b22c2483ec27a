import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repo root (three levels above packages/meerkat/test/browser). */
const repoRoot = new URL('../../../../', import.meta.url);

/** `../shared/models/stories260K` relative to the repo root (never copied into the repo). */
export const STORIES_DIR = fileURLToPath(new URL('../shared/models/stories260K', repoRoot));

/** Whether the shared stories260K model is present; tests that need it skip when it is not. */
export const HAVE_STORIES = existsSync(STORIES_DIR);

/** Explains a skip in the test name. */
export const STORIES_SKIP_NOTE = HAVE_STORIES
  ? ''
  : ` [SKIPPED: ${STORIES_DIR} not found; put the stories260K model there]`;
