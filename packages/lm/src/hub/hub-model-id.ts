import { LmError } from '../errors.js';

/** A model on the Hugging Face Hub: `hf:ORG/NAME[@REVISION]`. */
export interface HubModelId {
  /** `ORG/NAME` (or a bare legacy `NAME`). */
  readonly repoId: string;
  /** A branch, tag or commit hash; `main` when not given. */
  readonly revision: string;
}

/** The prefix that marks a `--model` value as a Hub model id. */
export const HUB_PREFIX = 'hf:';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parses `hf:ORG/NAME[@REVISION]`; anything else is `LM_INVALID_ARGUMENT` saying the form. */
export function parseHubModelId(spec: string): HubModelId {
  const bad = (why: string) =>
    new LmError(
      'LM_INVALID_ARGUMENT',
      `${JSON.stringify(spec)} is not a Hub model id (${why}); write hf:ORG/NAME or hf:ORG/NAME@REVISION, e.g. hf:HuggingFaceTB/SmolLM-135M@main.`,
    );
  if (!spec.startsWith(HUB_PREFIX)) throw bad(`no ${HUB_PREFIX} prefix`);
  const body = spec.slice(HUB_PREFIX.length);
  const at = body.indexOf('@');
  const repoId = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? 'main' : body.slice(at + 1);
  const parts = repoId.split('/');
  if (parts.length > 2 || !parts.every((p) => SEGMENT.test(p) && !p.includes('--'))) {
    throw bad(`${JSON.stringify(repoId)} is not ORG/NAME`);
  }
  if (revision === '' || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw bad(`bad revision ${JSON.stringify(revision)}`);
  }
  return { repoId, revision };
}

/** `hf:ORG/NAME@REVISION`, for messages. */
export function formatHubModelId(id: HubModelId): string {
  return `${HUB_PREFIX}${id.repoId}@${id.revision}`;
}
