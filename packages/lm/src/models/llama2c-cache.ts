import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HubCacheRepo } from '../hub/hub-cache.js';
import { CONVERTED_FILES, convertLlama2c } from '../llama2c/convert-llama2c.js';

/** Bumped whenever the conversion's output changes, so old conversions are not reused. */
export const CONVERTER_VERSION = 'meerkat-llama2c-hf-v1';

/** The hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The snapshot "commit" of a conversion: a hash of the converter version and the two source
 * files' sha256, so the same inputs always land in the same `snapshots/<commit>` and a changed
 * checkpoint or tokenizer gets a new one.
 */
export function conversionCommit(checkpointSha256: string, tokenizerSha256: string): string {
  return createHash('sha1')
    .update(`${CONVERTER_VERSION}\n${checkpointSha256}\n${tokenizerSha256}\n`)
    .digest('hex');
}

/** A conversion's snapshot directory when all its files are there, else null. */
export function cachedConversion(repo: HubCacheRepo, commit: string): string | null {
  return CONVERTED_FILES.every((f) => repo.snapshotFile(commit, f) !== null)
    ? repo.snapshotDir(commit)
    : null;
}

/** What to convert into the cache. */
export interface Llama2cCacheInput {
  readonly repo: HubCacheRepo;
  readonly checkpoint: string;
  readonly tokenizer: string;
  readonly checkpointSha256: string;
  readonly tokenizerSha256: string;
  /** Also keep the two llama2.c files, as `original/<name>` (they are moved, not copied). */
  readonly keepOriginals?: { readonly checkpoint: string; readonly tokenizer: string } | null;
}

/**
 * Converts a llama2.c checkpoint + tokenizer.bin to the Hugging Face layout inside the Hub cache:
 * each file becomes `blobs/<sha256>` and `snapshots/<commit>/<file>` links to it, then
 * `refs/main` points at the commit. The files are written to a staging folder first, so an
 * interrupted conversion leaves no half snapshot behind. Returns the snapshot directory.
 */
export async function convertLlama2cIntoCache(input: Llama2cCacheInput): Promise<string> {
  const { repo } = input;
  const commit = conversionCommit(input.checkpointSha256, input.tokenizerSha256);
  const done = cachedConversion(repo, commit);
  if (done !== null) return done;
  const staging = join(repo.dir, `staging-${process.pid}-${Date.now()}`);
  mkdirSync(join(repo.dir, 'blobs'), { recursive: true });
  try {
    convertLlama2c({ checkpoint: input.checkpoint, tokenizer: input.tokenizer, out: staging });
    const files: [string, string][] = CONVERTED_FILES.map((f) => [f, join(staging, f)]);
    if (input.keepOriginals != null) {
      files.push(
        [`original/${input.keepOriginals.checkpoint}`, input.checkpoint],
        [`original/${input.keepOriginals.tokenizer}`, input.tokenizer],
      );
    }
    for (const [name, path] of files) {
      const blob = await sha256File(path);
      if (existsSync(repo.blobPath(blob))) rmSync(path, { force: true });
      else renameSync(path, repo.blobPath(blob));
      repo.link(commit, name, blob);
    }
    repo.writeRef('main', commit);
    return repo.snapshotDir(commit);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
