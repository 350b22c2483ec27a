import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles test/fixtures/join-child.ts with the workspace sources (the `meerkat-source`
 * condition) under packages/nats-transport/node_modules/.cache, so a plain `node` child runs the code
 * under test without a build; third-party packages stay external.
 */
export async function bundleJoinChild(): Promise<string> {
  return bundleChild('join-child');
}

/** Bundles test/fixtures/<name>.ts the same way. */
export async function bundleChild(name: 'join-child' | 'serve-child'): Promise<string> {
  return bundleForNode(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), name);
}

/**
 * Bundles `entry` with the workspace sources (the `meerkat-source` condition) into one ES module
 * a plain `node` runs, under node_modules/.cache; third-party packages stay external.
 */
export async function bundleForNode(entry: string, name: string): Promise<string> {
  const dir = `${packageRoot}node_modules/.cache/meerkat-nats-test`;
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}/${name}-${process.pid}.mjs`;
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['meerkat-source'],
    external: ['@tensorflow/*', '@stdlib/*', '@huggingface/*', '@nats-io/*', 'zod'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

/** Kills (SIGKILL) every child spawnNode started that is still running: call it in afterAll. */
export function killRunningChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Spawns `node script ...args`, collecting its output; `exited` settles when it exits. */
export function spawnNode(
  script: string,
  args: readonly string[],
): { child: ChildProcess; exited: Promise<ChildResult> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<ChildResult>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}
