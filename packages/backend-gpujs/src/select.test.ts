import {
  createBackend,
  isTensorError,
  probeBackends,
  registeredBackends,
  TensorError,
} from '@meerkat/tensor';
import { GPU } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { type GpuLoader, loadGpu } from './gpu-loader.js';
import type { GpujsBackend } from './gpujs-backend.js';
import { AUTO_ORDER, type GpujsMode } from './modes.js';
import { registerGpujsBackends } from './register.js';
import { createGpujsBackend } from './select.js';

/**
 * A loader that makes the listed modes "available" by serving a real cpu-mode GPU under their
 * name, and everything else missing. Only a seam for the selection logic; the real loader is
 * tested below against what is really missing here (gl, Dawn, a browser).
 */
function simulated(present: readonly GpujsMode[], calls: GpujsMode[] = []): GpuLoader {
  return async (mode) => {
    calls.push(mode);
    if (!present.includes(mode)) throw new Error(`simulated: ${mode} is not here`);
    return new GPU({ mode: 'cpu' });
  };
}

describe('mode selection with a simulated loader', () => {
  it('auto takes the first available mode in AUTO_ORDER and says what it skipped', async () => {
    for (let first = 0; first < AUTO_ORDER.length; first++) {
      const present = AUTO_ORDER.slice(first);
      const b = await createGpujsBackend({ loader: simulated(present) });
      expect(b.name).toBe(`gpujs:${AUTO_ORDER[first]}`);
      expect(b.selection.skipped.map((s) => s.mode)).toEqual(AUTO_ORDER.slice(0, first));
      for (const s of b.selection.skipped) expect(s.reason).toMatch(/simulated: .* is not here/);
      expect(b.selection.summary).toMatch(new RegExp(`^chose gpujs:${AUTO_ORDER[first]}`));
    }
  });

  it('a named mode loads only that mode', async () => {
    const calls: GpujsMode[] = [];
    const b = await createGpujsBackend({ mode: 'webgl', loader: simulated(['webgl'], calls) });
    expect(b.name).toBe('gpujs:webgl');
    expect(calls).toEqual(['webgl']);
  });

  it('nothing available is TENSOR_BACKEND_UNAVAILABLE listing every reason', async () => {
    const error = await createGpujsBackend({ loader: simulated([]) }).catch((e: unknown) => e);
    expect(isTensorError(error, 'TENSOR_BACKEND_UNAVAILABLE')).toBe(true);
    for (const m of AUTO_ORDER) expect((error as Error).message).toContain(`gpujs:${m}: simulated`);
  });

  it('an unknown mode is TENSOR_INVALID_ARGUMENT naming the modes', async () => {
    const error = await createGpujsBackend({ mode: 'vulkan' as GpujsMode }).catch(
      (e: unknown) => e,
    );
    expect(isTensorError(error, 'TENSOR_INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('webgpu, webgl2, webgl, headlessgl, webasm, cpu');
  });

  it('capabilities: no gradients, float32; gpu device for GL/WebGPU modes', async () => {
    for (const mode of AUTO_ORDER) {
      const b = await createGpujsBackend({ mode, loader: simulated([mode]) });
      expect(b.capabilities).toMatchObject({ gradients: false, float16: false });
      expect(b.capabilities.precision.unitRoundoff).toBe(2 ** -24);
      expect(b.capabilities.device).toBe(mode === 'webasm' || mode === 'cpu' ? 'cpu' : 'gpu');
    }
  });
});

describe('an existing GPU instance', () => {
  it('is used as is; its mode names the backend', async () => {
    const gpu = new GPU({ mode: 'cpu' });
    const b = await createGpujsBackend({ gpu });
    expect(b.gpu).toBe(gpu);
    expect(b.name).toBe('gpujs:cpu');
    const y = b.matmul(
      b.upload(Float32Array.of(1, 2), [1, 2]),
      b.upload(Float32Array.of(3, 4), [1, 2]),
      {
        transposeB: true,
      },
    );
    expect(Array.from(await b.download(y))).toEqual([11]);
  });

  it("a GPU in a mode this package does not drive ('dev') is TENSOR_INVALID_ARGUMENT", async () => {
    const error = await createGpujsBackend({ gpu: new GPU({ mode: 'dev' }) }).catch(
      (e: unknown) => e,
    );
    expect(isTensorError(error, 'TENSOR_INVALID_ARGUMENT')).toBe(true);
  });
});

describe('the real modes here (Node, no gl, Dawn binary too new for this libstdc++)', () => {
  it('auto falls back to gpujs:webasm and says why each better mode is not here', async () => {
    const b = await createGpujsBackend();
    expect(b.name).toBe('gpujs:webasm');
    const reasons = Object.fromEntries(b.selection.skipped.map((s) => [s.mode, s.reason]));
    expect(Object.keys(reasons)).toEqual(['webgpu', 'webgl2', 'webgl', 'headlessgl']);
    // Dawn (the webgpu package) is installed, but its binary cannot load here
    expect(reasons.webgpu).toMatch(/Loading Dawn failed: .*GLIBCXX_3\.4\.32/);
    expect(reasons.webgl2).toMatch(/needs a browser/);
    expect(reasons.headlessgl).toMatch(/apt-get install -y build-essential .*xvfb-run/);
    expect(reasons.headlessgl).toMatch(/Loading gl failed: Cannot find module 'gl'/);
    console.log(`gpujs:auto here: ${b.selection.summary}`);
  });

  it('webasm and cpu load; the others throw their reason', async () => {
    expect((await loadGpu('webasm')).mode).toBe('webasm');
    expect((await loadGpu('cpu')).mode).toBe('cpu');
    for (const mode of ['webgpu', 'webgl2', 'webgl', 'headlessgl'] as const) {
      await expect(loadGpu(mode)).rejects.toThrow(/needs/);
    }
  });

  it('registerGpujsBackends: the registry reports the reasons and gpujs:auto gives webasm', async () => {
    registerGpujsBackends({ replace: true });
    expect(registeredBackends()).toEqual(
      expect.arrayContaining(AUTO_ORDER.map((m) => `gpujs:${m}`)),
    );
    const b = (await createBackend('gpujs:auto')) as GpujsBackend;
    expect(b.name).toBe('gpujs:webasm');
    expect(b.selection.summary).toMatch(/^chose gpujs:webasm; gpujs:webgpu skipped: webgpu needs/);
    const probe = await probeBackends();
    const gl = probe.find((p) => p.name === 'gpujs:headlessgl');
    expect(gl?.available).toBe(false);
    expect(probe.find((p) => p.name === 'gpujs:cpu')?.available).toBe(true);
    const error = await createBackend('gpujs:webgpu').catch((e: unknown) => e);
    expect(isTensorError(error, 'TENSOR_BACKEND_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(
      /gpujs:webgpu: unavailable: webgpu needs navigator\.gpu/,
    );
  });
});

describe('gradients', () => {
  it('valueAndGradients (e.g. mask calibration) is TENSOR_UNSUPPORTED naming a backend that has them', async () => {
    const b = await createGpujsBackend({ mode: 'webasm' });
    const w = b.upload(Float32Array.of(1, 2, 3), [3]);
    let error: unknown;
    try {
      b.valueAndGradients(() => b.sum(b.mul(w, w)), [w]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TensorError);
    expect(isTensorError(error, 'TENSOR_UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/gpujs:webasm has no gradients/);
    expect((error as Error).message).toContain("createBackend('tfjs:auto')");
    expect((error as Error).message).toContain('mask calibration');
    w.dispose();
    expect(b.memory().tensors).toBe(0);
  });
});
