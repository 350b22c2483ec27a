import { GPU } from 'gpu.js';
import type { GpujsMode } from './modes.js';

/**
 * Creates a gpu.js `GPU` for one mode, or throws an `Error` whose message says why the mode
 * cannot run here and what to do. Optional native pieces (`gl` for headlessgl, Dawn through the
 * `webgpu` package for webgpu in Node) are loaded lazily, by computed specifiers, so a browser
 * bundle never sees them and a missing or broken binary only disables its own mode.
 */
export type GpuLoader = (mode: GpujsMode) => Promise<GPU>;

/** How a user enables each optional mode (shown in the reasons). */
export const ENABLE_HINTS: Readonly<Record<'headlessgl' | 'webgpu' | 'webgl2' | 'webgl', string>> =
  {
    headlessgl:
      'headlessgl needs the native "gl" package: apt-get install -y build-essential python3 libxi-dev libglu1-mesa-dev libglew-dev pkg-config xvfb, then npm install gl (built from source), and run under xvfb-run (or with a DISPLAY)',
    webgpu:
      'webgpu needs navigator.gpu: a browser with WebGPU, or in Node the "webgpu" package (Dawn), whose Linux binary needs libstdc++ with GLIBCXX_3.4.32 (GCC 13+; Debian 13, Ubuntu 24.04)',
    webgl2: 'webgl2 needs a browser (a canvas with a WebGL2 context); in Node use headlessgl',
    webgl: 'webgl needs a browser (a canvas with a WebGL context); in Node use headlessgl',
  };

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

const isNode =
  typeof process !== 'undefined' &&
  typeof (process as { versions?: { node?: string } }).versions?.node === 'string';

/** `import()` by a computed specifier: bundlers and tsc leave optional Node pieces alone. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Loads a CommonJS package by name from this package's location (Node only). */
async function requireOptional(name: string): Promise<unknown> {
  const { createRequire } = (await importOptional('node:module')) as {
    createRequire: (from: string) => (id: string) => unknown;
  };
  return createRequire(import.meta.url)(name);
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** In Node, installs Dawn's `navigator.gpu` from the `webgpu` package (once). */
async function ensureNodeWebGpu(): Promise<void> {
  const g = globalThis as { navigator?: NavigatorWithGpu };
  if (g.navigator?.gpu) return;
  let dawn: { create(options: string[]): unknown; globals: Record<string, unknown> };
  try {
    dawn = (await requireOptional('webgpu')) as typeof dawn;
  } catch (error) {
    throw new Error(`${ENABLE_HINTS.webgpu}. Loading Dawn failed: ${message(error)}`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

async function loadWebGpu(): Promise<GPU> {
  if (isNode) await ensureNodeWebGpu();
  const nav = (globalThis as { navigator?: NavigatorWithGpu }).navigator;
  if (!nav?.gpu) throw new Error(`${ENABLE_HINTS.webgpu}. navigator.gpu is missing`);
  const adapter = await nav.gpu.requestAdapter().catch(() => null);
  if (adapter === null) {
    throw new Error(`${ENABLE_HINTS.webgpu}. navigator.gpu is present but no adapter answered`);
  }
  return new GPU({ mode: 'webgpu' });
}

async function loadHeadlessGl(): Promise<GPU> {
  if (!isNode) throw new Error('headlessgl runs only in Node; in a browser use webgl2 or webgl');
  let gl: unknown;
  try {
    gl = await requireOptional('gl');
  } catch (error) {
    throw new Error(`${ENABLE_HINTS.headlessgl}. Loading gl failed: ${message(error)}`);
  }
  const context = (gl as (w: number, h: number) => unknown)(2, 2);
  if (context === null || context === undefined) {
    throw new Error(
      `${ENABLE_HINTS.headlessgl}. gl loaded but could not create a context (no X display? run under xvfb-run)`,
    );
  }
  if (!GPU.isHeadlessGLSupported) {
    throw new Error(`${ENABLE_HINTS.headlessgl}. gpu.js reports headlessgl as unsupported`);
  }
  return new GPU({ mode: 'headlessgl' });
}

/** The real loader. */
export const loadGpu: GpuLoader = async (mode) => {
  switch (mode) {
    case 'webgpu':
      return loadWebGpu();
    case 'headlessgl':
      return loadHeadlessGl();
    case 'webgl2':
      if (!GPU.isWebGL2Supported) throw new Error(`${ENABLE_HINTS.webgl2}; none here`);
      return new GPU({ mode: 'webgl2' });
    case 'webgl':
      if (!GPU.isWebGLSupported) throw new Error(`${ENABLE_HINTS.webgl}; none here`);
      return new GPU({ mode: 'webgl' });
    case 'webasm':
      if (!GPU.isWebAssemblySupported) {
        throw new Error('webasm needs WebAssembly, which this runtime does not offer');
      }
      return new GPU({ mode: 'webasm' });
    case 'cpu':
      return new GPU({ mode: 'cpu' });
    default:
      throw new Error(`unknown gpu.js mode '${String(mode)}'`);
  }
};
