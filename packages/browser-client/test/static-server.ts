import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
};

/** A running static server: its origin (http://127.0.0.1:PORT) and how to stop it. */
export interface StaticServer {
  readonly origin: string;
  /** Paths that were requested and not found (a page asking for something it should not). */
  readonly notFound: string[];
  close(): Promise<void>;
}

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /**
   * Make pages cross-origin isolated: every response carries `Cross-Origin-Opener-Policy:
   * same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (SharedArrayBuffer, hence
   * multi-threaded WebAssembly).
   */
  readonly crossOriginIsolated?: boolean;
}

const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Serves exactly the files in `routes` (URL path → file on disk) on 127.0.0.1 at an ephemeral
 * port; every other path is a 404. Files are read on each request, never copied.
 */
export async function startStaticServer(
  routes: ReadonlyMap<string, string>,
  options: StaticServerOptions = {},
): Promise<StaticServer> {
  const extraHeaders = options.crossOriginIsolated === true ? ISOLATION_HEADERS : {};
  const notFound: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = routes.get(path);
    if (request.method !== 'GET' || file === undefined) {
      if (path !== '/favicon.ico') notFound.push(`${request.method} ${path}`);
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    readFile(file).then(
      (bytes) => {
        response.writeHead(200, {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
          ...extraHeaders,
        });
        response.end(bytes);
      },
      (e: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(e.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    notFound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
