// A real HTTP server on 127.0.0.1 that serves model files in the Hugging Face Hub's URL layout
// and with its headers, plus a second "CDN" server (another origin) that LFS files redirect to,
// with knobs for the failures a download must survive: gated repos, missing files, connections
// cut mid-file, short bodies and files whose bytes do not match their ETag.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file of a repository. */
export interface HubServerFile {
  readonly content: Uint8Array;
  /** Stored in LFS: the resolve URL redirects to the CDN with X-Linked-Etag = sha256. */
  readonly lfs?: boolean;
}

/** One repository: its files at one commit, reachable by `main` or the commit hash. */
export interface HubServerRepo {
  readonly commit: string;
  readonly files: Readonly<Record<string, HubServerFile>>;
  /** Needs `Authorization: Bearer <token>` (401 without, 403 with another token). */
  readonly gatedToken?: string;
}

/** Failures to inject, per CDN/blob path (`/cdn/<sha256>` or `/raw/<repo>/<file>`). */
export interface Fault {
  /** For this many requests, send only this many bytes of the body, then destroy the socket. */
  cutAfterBytes?: number;
  cutRequests?: number;
  /** For this many requests, declare and send only this many bytes (a clean, short response). */
  shortBytes?: number;
  shortRequests?: number;
  /** Serve these bytes instead of the real content (the ETag stays the real one). */
  corruptWith?: Uint8Array;
}

/** What a request looked like, for assertions. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly range: string | null;
  readonly authorization: string | null;
  readonly server: 'hub' | 'cdn';
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const gitBlobSha1 = (b: Uint8Array) =>
  createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** A running pair of servers; `close()` stops both. */
export interface HubServer {
  /** `http://127.0.0.1:PORT`, for HF_ENDPOINT. */
  readonly endpoint: string;
  readonly cdn: string;
  readonly repos: Map<string, HubServerRepo>;
  readonly faults: Map<string, Fault>;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Serves `content` honouring `Range: bytes=N-`, with `fault` applied (also used by other fake servers). */
export function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  content: Uint8Array,
  fault: Fault | undefined,
  headers: Record<string, string>,
): void {
  let body = fault?.corruptWith ?? content;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let status = 200;
  if (range !== null) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    body = body.subarray(start);
    status = 206;
  }
  if (fault?.shortBytes !== undefined && (fault.shortRequests ?? 0) > 0) {
    fault.shortRequests!--;
    body = body.subarray(0, fault.shortBytes);
  }
  res.writeHead(status, {
    ...headers,
    'content-length': String(body.length),
    'accept-ranges': 'bytes',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (fault?.cutAfterBytes !== undefined && (fault.cutRequests ?? 0) > 0) {
    fault.cutRequests!--;
    res.write(body.subarray(0, fault.cutAfterBytes), () => {
      setTimeout(() => res.destroy(), 20);
    });
    return;
  }
  res.end(body);
}

/** Starts the Hub and CDN servers on loopback ports. */
export async function startHubServer(): Promise<HubServer> {
  const repos = new Map<string, HubServerRepo>();
  const faults = new Map<string, Fault>();
  const requests: SeenRequest[] = [];
  const blobs = new Map<string, Uint8Array>();
  let cdnBase = '';
  const seen = (req: IncomingMessage, server: 'hub' | 'cdn') =>
    requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '',
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
      server,
    });

  const hub = createServer((req, res) => {
    seen(req, 'hub');
    const url = new URL(req.url ?? '/', 'http://hub');
    // /api/resolve-cache/ORG/NAME/COMMIT/FILE: where the Hub redirects small files (same origin).
    const cache = /^\/api\/resolve-cache\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    if (cache !== null) {
      const repo = repos.get(cache[1]!);
      const file = repo?.files[decodeURIComponent(cache[3]!)];
      if (repo === undefined || file === undefined) {
        res.writeHead(404).end();
        return;
      }
      const etag = gitBlobSha1(file.content);
      sendBytes(req, res, file.content, faults.get(`/raw/${cache[1]}/${cache[3]}`), {
        etag: `"${etag}"`,
        'x-repo-commit': repo.commit,
      });
      return;
    }
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (match === null) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
      return;
    }
    const [, repoId, rawRevision, rawFile] = match as unknown as [string, string, string, string];
    const revision = decodeURIComponent(rawRevision);
    const file = decodeURIComponent(rawFile);
    const repo = repos.get(repoId);
    if (repo === undefined) {
      res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
      return;
    }
    if (repo.gatedToken !== undefined) {
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${repo.gatedToken}`) {
        res.writeHead(auth === undefined ? 401 : 403, { 'x-error-code': 'GatedRepo' }).end();
        return;
      }
    }
    if (revision !== 'main' && revision !== repo.commit) {
      res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
      return;
    }
    const entry = repo.files[file];
    if (entry === undefined) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': repo.commit }).end();
      return;
    }
    if (entry.lfs === true) {
      const sha = sha256Hex(entry.content);
      blobs.set(sha, entry.content);
      res
        .writeHead(302, {
          location: `${cdnBase}/cdn/${sha}`,
          'x-repo-commit': repo.commit,
          'x-linked-etag': `"${sha}"`,
          'x-linked-size': String(entry.content.length),
          etag: '"some-git-pointer-etag"',
        })
        .end();
      return;
    }
    // Small files: a relative redirect to the resolve cache, as the Hub does.
    res
      .writeHead(307, {
        location: `/api/resolve-cache/${repoId}/${repo.commit}/${rawFile}`,
        'x-repo-commit': repo.commit,
      })
      .end();
  });

  const cdn = createServer((req, res) => {
    seen(req, 'cdn');
    const match = /^\/cdn\/([0-9a-f]{64})$/.exec(req.url ?? '');
    const content = match === null ? undefined : blobs.get(match[1]!);
    if (content === undefined) {
      res.writeHead(404).end();
      return;
    }
    sendBytes(req, res, content, faults.get(req.url ?? ''), {});
  });

  const endpoint = await listen(hub);
  cdnBase = await listen(cdn);
  return {
    endpoint,
    cdn: cdnBase,
    repos,
    faults,
    requests,
    close: async () => {
      for (const s of [hub, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
