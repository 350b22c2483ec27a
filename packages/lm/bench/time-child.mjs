// Runs a command as a child process under `/usr/bin/time -v` and returns its stdout, stderr and
// peak resident set ("Maximum resident set size", the kernel's ru_maxrss of the child).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const TIME_BIN = '/usr/bin/time';

/** Whether GNU time is installed (the RSS column needs it). */
export const HAVE_TIME = existsSync(TIME_BIN);

/**
 * `argv` under `/usr/bin/time -v` (or plainly when it is absent). `onStderrLine` sees the
 * child's progress lines as they come. Resolves with `{ code, stdout, stderr, maxRssBytes }`;
 * `maxRssBytes` is null without GNU time.
 */
export function timeChild(argv, { cwd, onStderrLine } = {}) {
  const [cmd, ...args] = HAVE_TIME ? [TIME_BIN, '-v', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) onStderrLine?.(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, maxRssBytes: m === null ? null : Number(m[1]) * 1024 });
    });
  });
}
