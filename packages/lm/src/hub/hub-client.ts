import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmError } from '../errors.js';
import { downloadFile, type ExpectedContent } from '../fetch/download-file.js';
import type { DownloadProgress } from '../fetch/download-progress.js';
import { isUnreachable, unreachableError } from '../fetch/network-error.js';
import { hfHome, modelCacheDir } from './cache-dir.js';
import { COMMIT_PATTERN, type HubCacheRepo } from './hub-cache.js';

/** The Hub's public endpoint (`HF_ENDPOINT` overrides it). */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** What a HEAD request on a file's `resolve` URL says about it. */
export interface HubFileMetadata {
  /** The commit the revision resolved to (`X-Repo-Commit`). */
  readonly commit: string;
  /** `X-Linked-Etag` (LFS: the sha256) or `ETag` (git blob sha1), without quotes. */
  readonly etag: string;
  /** `X-Linked-Size` or `Content-Length`, or null when the server gives neither. */
  readonly size: number | null;
  /** Where the bytes are (the CDN URL an LFS file redirects to, or the resolve URL itself). */
  readonly location: string;
}

/** How a client talks to the Hub and where it caches. */
export interface HubClientOptions {
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer` to the endpoint's host (never to a CDN it redirects to). */
  readonly token: string | null;
  readonly cacheDir: string;
  /** A progress bar per file, or null for none. */
  readonly progress?: ((what: string) => DownloadProgress | null) | null;
}

/** The token: `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, else the file `huggingface-cli login` wrote. */
export function hubTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  const file = env['HF_TOKEN_PATH'] ?? join(hfHome(env), 'token');
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return token === '' ? null : token;
}

/** Client options from the environment: `HF_ENDPOINT`, the token, the cache directory. */
export function hubClientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HubClientOptions {
  const endpoint = (env['HF_ENDPOINT'] ?? '').trim() || DEFAULT_HUB_ENDPOINT;
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    token: hubTokenFromEnv(env),
    cacheDir: modelCacheDir(env),
  };
}

const normalizeEtag = (etag: string) => etag.replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * A small client for the Hub's file API: `GET {endpoint}/{repo}/resolve/{revision}/{file}`, with
 * the headers the Hub answers with (`X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size`,
 * `X-Error-Code`), files cached in the Hub cache layout and checked against their ETag.
 */
export class HubClient {
  constructor(readonly options: HubClientOptions) {}

  /** The `resolve` URL of a file at a revision (the revision URL-encoded, `/` included). */
  fileUrl(repoId: string, revision: string, file: string): string {
    const path = file.split('/').map(encodeURIComponent).join('/');
    return `${this.options.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
  }

  private authHeaders(url: string): Record<string, string> {
    const sameHost = new URL(url).origin === new URL(this.options.endpoint).origin;
    return this.options.token !== null && sameHost
      ? { authorization: `Bearer ${this.options.token}` }
      : {};
  }

  /** The error for an HTTP status from the Hub, worded for `file` of `repoId` at `revision`. */
  statusError(status: number, headers: Headers, repoId: string, revision: string, file: string) {
    const code = headers.get('x-error-code');
    const tokenNote =
      this.options.token === null
        ? 'set HF_TOKEN to a Hugging Face access token with read access to it'
        : 'HF_TOKEN is set, but that token was refused or has no access to it: check the token and that its account may use this model';
    const page = `${this.options.endpoint}/${repoId}`;
    if (code === 'GatedRepo') {
      return new LmError(
        'LM_DOWNLOAD_UNAUTHORIZED',
        `${repoId} is a gated model (HTTP ${status} for ${file}): accept its conditions at ${page} and ${tokenNote}.`,
      );
    }
    if (status === 401 || status === 403) {
      return new LmError(
        'LM_DOWNLOAD_UNAUTHORIZED',
        `HTTP ${status} for ${file} of ${repoId}: the model is gated or private, or does not exist; ${tokenNote}.`,
      );
    }
    if (status === 404) {
      const what =
        code === 'RevisionNotFound'
          ? `revision ${JSON.stringify(revision)} does not exist in ${repoId}`
          : code === 'RepoNotFound'
            ? `there is no repository ${repoId}`
            : `${repoId} has no file ${file} at revision ${JSON.stringify(revision)}`;
      return new LmError('LM_DOWNLOAD_NOT_FOUND', `${what} (HTTP 404 from ${page}).`);
    }
    return new LmError(
      'LM_DOWNLOAD_FAILED',
      `HTTP ${status} from ${this.options.endpoint} for ${file} of ${repoId}@${revision}; try again later.`,
    );
  }

  /**
   * HEAD of a file's resolve URL, following only same-host redirects (a renamed repository),
   * not the redirect of an LFS file to its CDN (that URL becomes `location`). Null when the
   * repository has no such file (404 `EntryNotFound`).
   */
  async fileMetadata(
    repoId: string,
    revision: string,
    file: string,
  ): Promise<HubFileMetadata | null> {
    let url = this.fileUrl(repoId, revision, file);
    const seen: Headers[] = [];
    for (let hop = 0; hop < 10; hop++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'HEAD',
          redirect: 'manual',
          headers: { ...this.authHeaders(url), 'accept-encoding': 'identity' },
        });
      } catch (error) {
        if (isUnreachable(error)) throw unreachableError(url, `${file} of ${repoId}`, error);
        throw new LmError(
          'LM_DOWNLOAD_FAILED',
          `HEAD ${url} failed (${(error as Error).message}); try again.`,
        );
      }
      seen.push(response.headers);
      const header = (name: string) => {
        for (const h of seen) {
          const v = h.get(name);
          if (v !== null) return v;
        }
        return null;
      };
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location');
        if (location === null) break;
        const next = new URL(location, url);
        if (next.origin === new URL(url).origin && header('x-linked-etag') === null) {
          url = next.href;
          continue;
        }
        return this.metadata(header, next.href, repoId, revision, file);
      }
      if (
        response.status === 404 &&
        (response.headers.get('x-error-code') ?? 'EntryNotFound') === 'EntryNotFound'
      ) {
        return null;
      }
      if (!response.ok) {
        throw this.statusError(response.status, response.headers, repoId, revision, file);
      }
      return this.metadata(header, url, repoId, revision, file);
    }
    throw new LmError('LM_DOWNLOAD_FAILED', `too many redirects for ${file} of ${repoId}.`);
  }

  private metadata(
    header: (name: string) => string | null,
    location: string,
    repoId: string,
    revision: string,
    file: string,
  ): HubFileMetadata {
    const commit = header('x-repo-commit') ?? (COMMIT_PATTERN.test(revision) ? revision : null);
    const etag = header('x-linked-etag') ?? header('etag');
    if (commit === null || etag === null) {
      throw new LmError(
        'LM_DOWNLOAD_FAILED',
        `${this.options.endpoint} sent no ${commit === null ? 'X-Repo-Commit' : 'ETag'} header for ${file} of ${repoId}@${revision}; HF_ENDPOINT must be a Hugging Face Hub (or a mirror that forwards its headers).`,
      );
    }
    const size = header('x-linked-size') ?? header('content-length');
    return {
      commit,
      etag: normalizeEtag(etag),
      size: size === null ? null : Number(size),
      location,
    };
  }

  /**
   * Makes `file` of `repoId` at `revision` present in the cache and returns its snapshot path,
   * with the commit it came from; null when the repository has no such file (recorded in
   * `.no_exist`). A blob already in the cache is linked, not downloaded again.
   */
  async fetchFile(
    repo: HubCacheRepo,
    revision: string,
    file: string,
  ): Promise<
    { path: string; commit: string; downloaded: boolean } | { path: null; commit: string | null }
  > {
    const meta = await this.fileMetadata(repo.repoId, revision, file);
    if (meta === null) {
      const commit = repo.commitOf(revision);
      if (commit !== null) repo.markMissing(commit, file);
      return { path: null, commit };
    }
    const blob = repo.blobPath(meta.etag);
    let downloaded = false;
    if (!existsSync(blob)) {
      const expected: ExpectedContent = {
        size: meta.size,
        sha256: /^[0-9a-f]{64}$/.test(meta.etag) ? meta.etag : null,
        gitSha1: /^[0-9a-f]{40}$/.test(meta.etag) ? meta.etag : null,
      };
      const what = `${file} of ${repo.repoId}@${revision}`;
      await downloadFile({
        url: meta.location,
        dest: blob,
        headers: this.authHeaders(meta.location),
        expected,
        what,
        statusError: (status, response) =>
          this.statusError(status, response.headers, repo.repoId, revision, file),
        progress: this.options.progress?.(what) ?? null,
      });
      downloaded = true;
    }
    return { path: repo.link(meta.commit, file, meta.etag), commit: meta.commit, downloaded };
  }
}
