import { type ChildProcess, spawn } from 'node:child_process';

/** The nats-server binary the fixtures run: `$NATS_SERVER`, else Debian's. */
export const NATS_SERVER_BIN = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts `nats-server -c configFile` and resolves `ready` once it logs "Server is ready"; its
 * stderr lines go to `lines` (up to `maxLines`) and to `onLine`. It is killed when not ready in
 * 10 s, and `ready` rejects, with the server's log, on a spawn error, a timeout or an early exit.
 * `name` says which server in those errors.
 */
export function spawnNatsServer(options: {
  readonly configFile: string;
  readonly lines: string[];
  readonly maxLines: number;
  readonly name?: string;
  readonly onLine?: (line: string) => void;
}): { readonly proc: ChildProcess; readonly ready: Promise<void> } {
  const { lines } = options;
  const server = options.name === undefined ? 'nats-server' : `nats-server ${options.name}`;
  const proc = spawn(NATS_SERVER_BIN, ['-c', options.configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${server} not ready in ${READY_TIMEOUT_MS} ms:\n${lines.join('\n')}`));
    }, READY_TIMEOUT_MS);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${server} exited (${code}) before ready:\n${lines.join('\n')}`));
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        if (lines.length < options.maxLines) lines.push(line);
        options.onLine?.(line);
        if (line.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
  });
  return { proc, ready };
}
