import { sharedModel } from '@meerkat/lm/testing';

/** The shared stories260K model, found through the one helper (lm/test/shared-models.ts). */
const stories = sharedModel('stories260K');

/** `../shared/models/stories260K` relative to the repo root (never copied into the repo). */
export const STORIES_DIR = stories.dir;

/** Whether the shared stories260K model is present; tests that need it skip when it is not. */
export const HAVE_STORIES = stories.present;

/** Explains a skip in the test name. */
export const STORIES_SKIP_NOTE = stories.skipNote;
