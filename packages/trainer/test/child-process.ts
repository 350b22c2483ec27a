import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Bundles test/fixtures/run-child.ts with the workspace sources (the `meerkat-source` condition)
 * into one ESM file under node_modules/.cache, so a plain `node` child runs the code under test
 * without a prior build. Third-party packages stay external and resolve from the repo.
 */
export async function bundleChild(): Promise<string> {
  const dir = `${repoRoot}node_modules/.cache/meerkat-test`;
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}/run-child-${process.pid}.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/run-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['meerkat-source'],
    external: [
      '@tensorflow/*',
      '@stdlib/*',
      '@huggingface/*',
      'zod',
      'onnxruntime-*',
      'onnx-proto',
    ],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

export function spawnChild(script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
}
