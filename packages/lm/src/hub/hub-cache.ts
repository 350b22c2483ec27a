// The Hugging Face Hub cache layout, as Python's huggingface_hub writes and reads it:
//   <cache>/models--ORG--NAME/blobs/<etag>            the file contents, named by ETag (sha256
//                                                    for LFS files, git blob sha1 otherwise)
//   <cache>/models--ORG--NAME/refs/<revision>         the commit hash a branch or tag points to
//   <cache>/models--ORG--NAME/snapshots/<commit>/<f>  relative symlinks into blobs/
//   <cache>/models--ORG--NAME/.no_exist/<commit>/<f>  empty markers: the file is not in the repo
// so a model one of them downloaded is found by the other without a download.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** A 40-hex-digit commit hash. */
export const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

/** `models--ORG--NAME` for repo id `ORG/NAME`. */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

/** One repository's folder in a Hub cache. */
export class HubCacheRepo {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
  ) {
    this.dir = join(cacheDir, repoFolderName(repoId));
  }

  /** The commit `revision` names: itself when it is a commit hash, else `refs/<revision>`. */
  commitOf(revision: string): string | null {
    if (COMMIT_PATTERN.test(revision)) return revision;
    const ref = join(this.dir, 'refs', revision);
    if (!existsSync(ref)) return null;
    const commit = readFileSync(ref, 'utf8').trim();
    return COMMIT_PATTERN.test(commit) ? commit : null;
  }

  /** Points `refs/<revision>` at `commit` (nothing to do when the revision is the commit). */
  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = join(this.dir, 'refs', revision);
    mkdirSync(dirname(ref), { recursive: true });
    writeFileSync(`${ref}.tmp`, commit);
    renameSync(`${ref}.tmp`, ref);
  }

  snapshotDir(commit: string): string {
    return join(this.dir, 'snapshots', commit);
  }

  blobPath(blob: string): string {
    return join(this.dir, 'blobs', blob);
  }

  /** `snapshots/<commit>/<file>` when it exists (a link to a present blob), else null. */
  snapshotFile(commit: string, file: string): string | null {
    const path = join(this.snapshotDir(commit), file);
    return existsSync(path) ? path : null;
  }

  /** Whether `.no_exist/<commit>/<file>` records that the repository has no such file. */
  isMissing(commit: string, file: string): boolean {
    return existsSync(join(this.dir, '.no_exist', commit, file));
  }

  markMissing(commit: string, file: string): void {
    const marker = join(this.dir, '.no_exist', commit, file);
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  }

  /**
   * Makes `snapshots/<commit>/<file>` a relative symlink to `blobs/<blob>` (a copy where symlinks
   * are not allowed), replacing what was there.
   */
  link(commit: string, file: string, blob: string): string {
    const target = join(this.snapshotDir(commit), file);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    try {
      symlinkSync(relative(dirname(target), this.blobPath(blob)), target);
    } catch {
      copyFileSync(this.blobPath(blob), target);
    }
    return target;
  }
}
