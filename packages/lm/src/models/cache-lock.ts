import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `<dir>/.meerkat.lock`, so two processes that need the same model (parallel
 * experiment cells, two terminals) do not download it over each other: the second waits, then
 * finds it in the cache. A lock left by a process that no longer exists is taken over.
 */
export async function withCacheLock<T>(
  dir: string,
  onWait: (pid: number) => void,
  fn: () => Promise<T>,
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.meerkat.lock');
  let told = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!told) onWait(pid);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
