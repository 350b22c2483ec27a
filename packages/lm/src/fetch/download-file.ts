import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LmError } from '../errors.js';
import type { DownloadProgress } from './download-progress.js';
import { isUnreachable, unreachableError } from './network-error.js';

/** What a downloaded file must be; every field given is checked before the file is kept. */
export interface ExpectedContent {
  readonly size?: number | null;
  /** Hex sha256 of the content (the Hub's ETag for LFS files, a pinned hash). */
  readonly sha256?: string | null;
  /** Hex SHA-1 of the git blob ("blob <size>\0" + content): the Hub's ETag for non-LFS files. */
  readonly gitSha1?: string | null;
  /** An npm `integrity` string (`sha512-<base64>`). */
  readonly integrity?: string | null;
}

/** One file to download. */
export interface DownloadRequest {
  readonly url: string;
  /** Final path; the bytes go to `dest + '.incomplete'` first and are renamed only when they check out. */
  readonly dest: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expected: ExpectedContent;
  /** What is being downloaded, for messages: `model.safetensors of hf:org/name@main`. */
  readonly what: string;
  /** Turns an HTTP error status into the error to throw (401/403/404 messages depend on the source). */
  readonly statusError: (status: number, response: Response) => LmError;
  readonly progress?: DownloadProgress | null;
  /** Requests before giving up on a connection that keeps breaking off (default 5). */
  readonly attempts?: number;
  /** Abort a request that delivers nothing for this long (default 60 s). */
  readonly idleTimeoutMs?: number;
}

/** What a download did. */
export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  /** Bytes that were already on disk from an interrupted earlier attempt (0: a fresh download). */
  readonly resumedFrom: number;
  readonly requests: number;
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

async function hashFile(path: string, algorithm: string, prefix?: string): Promise<Buffer> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** The first expectation the file fails, in words, or null when it meets them all. */
async function verify(path: string, expected: ExpectedContent): Promise<string | null> {
  const size = sizeOf(path);
  if (expected.size != null && size !== expected.size) {
    return `${size} bytes, expected ${expected.size}`;
  }
  if (expected.sha256 != null) {
    const got = (await hashFile(path, 'sha256')).toString('hex');
    if (got !== expected.sha256.toLowerCase()) return `sha256 ${got}, expected ${expected.sha256}`;
  }
  if (expected.gitSha1 != null) {
    const got = (await hashFile(path, 'sha1', `blob ${size}\0`)).toString('hex');
    if (got !== expected.gitSha1.toLowerCase()) {
      return `git blob sha1 ${got}, expected ${expected.gitSha1}`;
    }
  }
  if (expected.integrity != null) {
    const dash = expected.integrity.indexOf('-');
    const algorithm = expected.integrity.slice(0, dash);
    const got = `${algorithm}-${(await hashFile(path, algorithm)).toString('base64')}`;
    if (got !== expected.integrity) return `integrity ${got}, expected ${expected.integrity}`;
  }
  return null;
}

/** The start offset of a `Content-Range: bytes START-END/TOTAL` header, or null. */
function rangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match === null ? null : Number(match[1]);
}

/**
 * Downloads `url` to `dest`, safely:
 * - the bytes go to `dest.incomplete`; only when the whole file is there and its size and hashes
 *   match `expected` is it renamed to `dest`, so `dest` never holds a partial or corrupt file;
 * - a connection that breaks off mid-file is resumed with an HTTP `Range` request (up to
 *   `attempts` requests), and an `.incomplete` file left by an earlier run is resumed the same way;
 * - a file whose size or hash is wrong is deleted and `LM_DOWNLOAD_CORRUPT` thrown;
 * - an unreachable host is `LM_NETWORK_UNREACHABLE`, an HTTP error whatever `statusError` says.
 */
export async function downloadFile(request: DownloadRequest): Promise<DownloadResult> {
  const { url, dest, expected, what } = request;
  const partial = `${dest}.incomplete`;
  mkdirSync(dirname(dest), { recursive: true });
  const attempts = request.attempts ?? 5;
  const idleTimeoutMs = request.idleTimeoutMs ?? 60_000;
  const resumedFrom = sizeOf(partial);
  let requests = 0;
  let lastFailure = '';
  while (true) {
    let have = sizeOf(partial);
    if (expected.size != null && have > expected.size) {
      rmSync(partial, { force: true });
      have = 0;
    }
    const complete = expected.size != null && have === expected.size;
    if (!complete) {
      if (requests >= attempts) {
        throw new LmError(
          'LM_DOWNLOAD_FAILED',
          `downloading ${what} from ${url} broke off ${requests} times (last: ${lastFailure}); ${have} bytes are kept in ${partial} and the next run resumes from there.`,
        );
      }
      requests++;
      const outcome = await fetchInto(request, partial, have, idleTimeoutMs);
      if (outcome !== 'done') {
        lastFailure = outcome;
        continue;
      }
    }
    const problem = await verify(partial, expected);
    if (problem !== null) {
      if (expected.size != null && sizeOf(partial) < expected.size) {
        lastFailure = `the server sent only ${sizeOf(partial)} of ${expected.size} bytes`;
        continue;
      }
      rmSync(partial, { force: true });
      throw new LmError(
        'LM_DOWNLOAD_CORRUPT',
        `${what} from ${url} is corrupt (${problem}); the file was deleted and not used. Run the command again to download it afresh; if it fails the same way, the server holds a different file than expected.`,
      );
    }
    renameSync(partial, dest);
    return { path: dest, bytes: sizeOf(dest), resumedFrom, requests };
  }
}

/**
 * One request: appends to `partial` from byte `have` (restarting from 0 when the server ignores
 * the Range). Returns 'done' when the body ended normally, otherwise why it broke off (to retry).
 */
async function fetchInto(
  request: DownloadRequest,
  partial: string,
  have: number,
  idleTimeoutMs: number,
): Promise<string> {
  const { url, what } = request;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        ...request.headers,
        'accept-encoding': 'identity',
        ...(have > 0 ? { range: `bytes=${have}-` } : {}),
      },
      redirect: 'follow',
      signal: controller.signal,
    });
  } catch (error) {
    clearTimeout(timer);
    if (isUnreachable(error)) throw unreachableError(url, what, error);
    return `request failed: ${(error as Error).message}`;
  }
  try {
    let offset = have;
    if (response.status === 416) {
      // Range not satisfiable: what is on disk is not a prefix of this file; start over.
      await response.body?.cancel();
      rmSync(partial, { force: true });
      return 'the server refused to resume (416); starting over';
    }
    if (response.status === 200) offset = 0;
    else if (response.status === 206) {
      if (rangeStart(response) !== have) offset = 0;
    } else {
      await response.body?.cancel();
      throw request.statusError(response.status, response);
    }
    if (response.status === 206 && offset === 0 && have > 0) {
      await response.body?.cancel();
      rmSync(partial, { force: true });
      return 'the server answered a different range; starting over';
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = request.expected.size ?? (Number.isFinite(length) ? offset + length : null);
    const file = await open(partial, offset === 0 ? 'w' : 'a');
    request.progress?.start(what, total, offset);
    try {
      if (response.body === null) return 'done';
      for await (const chunk of response.body) {
        touch();
        await file.write(chunk);
        request.progress?.advance(chunk.byteLength);
      }
      return 'done';
    } catch (error) {
      return `connection broke off: ${(error as Error).message}`;
    } finally {
      await file.close();
      request.progress?.end();
    }
  } finally {
    clearTimeout(timer);
  }
}
