import { fileURLToPath } from 'node:url';
import { createBackend, TensorError } from '@meerkat/tensor';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as browser from './browser.js';
import * as main from './index.js';

const BROWSER_ONLY = ['createOrtBackend', 'registerBackends', 'registerOrtBackends'];

async function rejection(promise: Promise<unknown>): Promise<TensorError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TensorError);
  return error as TensorError;
}

describe('@meerkat/backend-onnxruntime browser entry', () => {
  it('exports what index.ts exports; only creation and registration differ', () => {
    const mainExports = new Map(Object.entries(main));
    expect(Object.keys(main).filter((name) => !(name in browser))).toEqual([]);
    for (const [name, value] of Object.entries(browser)) {
      if (name === 'wasmSetupOf') continue;
      if (BROWSER_ONLY.includes(name)) expect(mainExports.get(name)).not.toBe(value);
      else expect(mainExports.get(name), name).toBe(value);
    }
  });

  it('bundles for browsers with onnxruntime-web and without onnxruntime-node or node: modules', async () => {
    // platform 'browser' makes esbuild fail on any Node built-in the entry reaches.
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./browser.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['meerkat-source'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('node_modules/onnxruntime-web/'))).toBe(true);
    expect(inputs.filter((p) => p.includes('onnxruntime-node') || p.startsWith('node:'))).toEqual(
      [],
    );
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports);
    expect(imports.filter((i) => i.path.startsWith('node:') && !i.external)).toEqual([]);
  }, 60_000);

  it('ort:wasm on onnxruntime-web: one thread where the page is not cross-origin isolated', async () => {
    const backend = await browser.createOrtBackend({ engine: 'wasm' });
    expect(backend.name).toBe('ort:wasm');
    expect(backend.selection.summary).toBe(
      'chose ort:wasm; wasm threads: 1 (not cross-origin isolated: no SharedArrayBuffer, so one thread)',
    );
    expect(browser.wasmSetupOf(backend)).toMatchObject({
      numThreads: 1,
      crossOriginIsolated: false,
    });
    const x = backend.upload(Float32Array.of(1, 2, 3), [3]);
    expect(Array.from(await backend.download(backend.add(x, x)))).toEqual([2, 4, 6]);
    await backend.close();
  }, 60_000);

  it('an explicit ort:webgpu without an adapter fails naming it, and never falls back to wasm', async () => {
    const error = await rejection(browser.createOrtBackend({ engine: 'webgpu' }));
    expect(error.code).toBe('TENSOR_BACKEND_UNAVAILABLE');
    expect(error.message).toContain('ort:webgpu: no WebGPU adapter: navigator.gpu is undefined');
    expect(error.message).not.toContain('ort:wasm');
    const cpu = await rejection(browser.createOrtBackend({ engine: 'cpu' }));
    expect(cpu.message).toContain('ort:cpu: not offered in this environment');
    const bad = await rejection(browser.createOrtBackend({ engine: 'tpu' as 'cpu' }));
    expect(bad.code).toBe('TENSOR_INVALID_ARGUMENT');
  });

  it('auto skips webgpu with its reason; the registry gives ort:auto = ort:wasm', async () => {
    const backend = await browser.createOrtBackend();
    expect(backend.selection.engine).toBe('wasm');
    expect(backend.selection.summary).toMatch(
      /^chose ort:wasm; ort:webgpu skipped: no WebGPU adapter: .*; wasm threads: 1 /,
    );
    browser.registerOrtBackends({ replace: true });
    const auto = await createBackend('ort:auto');
    expect(auto.name).toBe('ort:wasm');
    expect((auto as main.OrtBackend).selection.summary).toMatch(
      /^chose ort:wasm; ort:webgpu skipped: no WebGPU adapter: .*; wasm threads: 1 /,
    );
  }, 60_000);
});
