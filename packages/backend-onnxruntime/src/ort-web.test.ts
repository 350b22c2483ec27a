import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OrtModule } from './ort-module.js';
import { configureOrtWeb, describeOrtWeb, webgpuAdapterProblem } from './ort-web.js';

/** Just the `env.wasm` onnxruntime-web has before its first session. */
function fakeOrt(wasm: Record<string, unknown> = {}): OrtModule {
  return { env: { wasm } } as unknown as OrtModule;
}

function page(isolated: boolean, cores = 8, href = 'https://app.test/play/index.html') {
  vi.stubGlobal('crossOriginIsolated', isolated);
  vi.stubGlobal('navigator', { hardwareConcurrency: cores });
  vi.stubGlobal('location', { href });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('configureOrtWeb', () => {
  it('one thread where the page is not cross-origin isolated, every core where it is', () => {
    page(false);
    const plain = fakeOrt();
    expect(configureOrtWeb(plain)).toBe(1);
    expect(plain.env.wasm.numThreads).toBe(1);
    expect(describeOrtWeb(plain, 1).summary).toBe(
      'wasm threads: 1 (not cross-origin isolated: no SharedArrayBuffer, so one thread)',
    );
    page(true, 8);
    const isolated = fakeOrt();
    expect(configureOrtWeb(isolated)).toBe(8);
    expect(describeOrtWeb(isolated, 8)).toMatchObject({
      numThreads: 8,
      crossOriginIsolated: true,
      summary: 'wasm threads: 8 (cross-origin isolated)',
    });
  });

  it('threads given win over a value already in env, which wins over the default', () => {
    page(true, 8);
    expect(configureOrtWeb(fakeOrt(), { threads: 3 })).toBe(3);
    const preset = fakeOrt({ numThreads: 2 });
    expect(configureOrtWeb(preset)).toBe(2);
    expect(() => configureOrtWeb(fakeOrt(), { threads: 0 })).toThrow(/threads must be an integer/);
  });

  it('the first configuration of a module decides; a later different ask is reported, not applied', () => {
    page(true, 4);
    const ort = fakeOrt();
    configureOrtWeb(ort);
    expect(configureOrtWeb(ort, { threads: 2 })).toBe(2);
    expect(ort.env.wasm.numThreads).toBe(4);
    expect(describeOrtWeb(ort, 2).summary).toBe(
      'wasm threads: 4 (cross-origin isolated; 2 asked, but onnxruntime-web runs 4 (fixed at its first session, or threads unsupported here))',
    );
  });

  it('resolves a relative wasmPaths prefix against the page; file paths pass through', () => {
    page(false);
    const ort = fakeOrt();
    configureOrtWeb(ort, { wasmPaths: '/ort/' });
    expect(ort.env.wasm.wasmPaths).toBe('https://app.test/ort/');
    configureOrtWeb(ort, { wasmPaths: 'vendor/' });
    expect(ort.env.wasm.wasmPaths).toBe('https://app.test/play/vendor/');
    const files = { mjs: '/a.mjs', wasm: '/a.wasm' };
    configureOrtWeb(ort, { wasmPaths: files });
    expect(ort.env.wasm.wasmPaths).toBe(files);
  });
});

describe('webgpuAdapterProblem', () => {
  it('names what is missing: navigator.gpu, or an adapter', async () => {
    vi.stubGlobal('navigator', {});
    expect(await webgpuAdapterProblem()).toMatch(/^no WebGPU adapter: navigator\.gpu is undefined/);
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    expect(await webgpuAdapterProblem()).toMatch(
      /^no WebGPU adapter: navigator\.gpu\.requestAdapter\(\) returned null/,
    );
    vi.stubGlobal('navigator', {
      gpu: {
        requestAdapter: async () => {
          throw new Error('GPU process crashed');
        },
      },
    });
    expect(await webgpuAdapterProblem()).toBe(
      'no WebGPU adapter: navigator.gpu.requestAdapter() failed: GPU process crashed',
    );
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({}) } });
    expect(await webgpuAdapterProblem()).toBeUndefined();
  });
});
