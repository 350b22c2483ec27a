import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a closed network and a machine without a GPU: no sandbox (the tests run as root), no
 * background traffic (otherwise Chromium floods the network with refused connections), and WebGL
 * from SwiftShader.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** A headless Chromium with a fresh profile directory; `close` also deletes the profile. */
export interface Chromium {
  readonly context: BrowserContext;
  readonly userDataDir: string;
  close(): Promise<void>;
}

/** Launches headless Chromium with `CHROMIUM_ARGS` and `extraArgs` (e.g. `--enable-unsafe-webgpu`). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'meerkat-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...extraArgs],
      timeout: 30_000,
    });
  } catch (e) {
    await rm(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    userDataDir,
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
