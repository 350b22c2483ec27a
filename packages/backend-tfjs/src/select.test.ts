import { createBackend, isTensorError, probeBackends, registeredBackends } from '@meerkat/tensor';
import { describe, expect, it } from 'vitest';
import { type EngineLoader, type EngineVariant, loadEngine } from './engines.js';
import { registerTfjsBackends } from './register.js';
import { createTfjsBackend } from './select.js';
import type { TfjsBackend } from './tfjs-backend.js';

/**
 * A loader that makes the listed engines "installed" by serving the real cpu engine under their
 * name, and everything else missing. Only a seam for the selection logic; the real loader is
 * tested below against the packages really absent here.
 */
function simulated(present: readonly EngineVariant[], calls: EngineVariant[] = []): EngineLoader {
  return async (variant) => {
    calls.push(variant);
    if (!present.includes(variant)) throw new Error(`simulated: ${variant} is not installed`);
    const cpu = await loadEngine('cpu');
    return { ...cpu, variant };
  };
}

describe('engine selection with a simulated loader', () => {
  it('auto prefers node-gpu, then node, then wasm, then cpu, and says what it skipped', async () => {
    const cases: [EngineVariant[], string, EngineVariant[]][] = [
      [['node-gpu', 'node', 'wasm', 'cpu'], 'tfjs:node-gpu', []],
      [['node', 'wasm', 'cpu'], 'tfjs:node', ['node-gpu']],
      [['wasm', 'cpu'], 'tfjs:wasm', ['node-gpu', 'node']],
      [['cpu'], 'tfjs:cpu', ['node-gpu', 'node', 'wasm']],
    ];
    for (const [present, name, skipped] of cases) {
      const b = await createTfjsBackend('auto', { loader: simulated(present) });
      expect(b.name).toBe(name);
      expect(b.selection.skipped.map((s) => s.engine)).toEqual(skipped);
      for (const s of b.selection.skipped) expect(s.reason).toMatch(/not installed/);
      expect(b.selection.summary).toContain(`chose ${name}`);
    }
  });

  it('a named engine loads only that engine', async () => {
    const calls: EngineVariant[] = [];
    const b = await createTfjsBackend('wasm', { loader: simulated(['wasm'], calls) });
    expect(b.name).toBe('tfjs:wasm');
    expect(calls).toEqual(['wasm']);
  });

  it('nothing available is TENSOR_BACKEND_UNAVAILABLE listing every reason', async () => {
    const error = await createTfjsBackend('auto', { loader: simulated([]) }).catch((e) => e);
    expect(isTensorError(error, 'TENSOR_BACKEND_UNAVAILABLE')).toBe(true);
    for (const v of ['node-gpu', 'node', 'wasm', 'cpu'])
      expect(error.message).toContain(`tfjs:${v}: simulated`);
  });

  it('capabilities follow the engine: gpu and u = 2^-11 (TF32) for node-gpu', async () => {
    const gpu = await createTfjsBackend('node-gpu', { loader: simulated(['node-gpu']) });
    expect(gpu.capabilities.device).toBe('gpu');
    expect(gpu.capabilities.precision.unitRoundoff).toBe(2 ** -11);
    for (const v of ['node', 'wasm', 'cpu'] as const) {
      const b = await createTfjsBackend(v, { loader: simulated([v]) });
      expect(b.capabilities).toMatchObject({ gradients: true, float16: false, device: 'cpu' });
      expect(b.capabilities.precision.unitRoundoff).toBe(2 ** -24);
    }
  });

  it('registry: tfjs:auto follows the same order through registerTfjsBackends', async () => {
    registerTfjsBackends({ loader: simulated(['node', 'cpu']), replace: true });
    const b = (await createBackend('tfjs:auto')) as TfjsBackend;
    expect(b.name).toBe('tfjs:node');
    expect(b.selection.skipped.map((s) => s.engine)).toEqual(['node-gpu']);
  });
});

describe('the real engines here (tfjs-node and tfjs-node-gpu are not installed)', () => {
  it('auto picks tfjs:wasm and explains why node-gpu and node were skipped', async () => {
    const b = await createTfjsBackend('auto');
    expect(b.name).toBe('tfjs:wasm');
    const [gpu, node] = b.selection.skipped;
    expect(gpu?.engine).toBe('node-gpu');
    expect(gpu?.reason).toContain(
      'install @tensorflow/tfjs-node-gpu (needs CUDA 11 + libtensorflow download)',
    );
    expect(gpu?.reason).toMatch(/Import failed: .*@tensorflow\/tfjs-node-gpu/);
    expect(node?.engine).toBe('node');
    expect(node?.reason).toMatch(/install @tensorflow\/tfjs-node .*Import failed: .*tfjs-node/);
  });

  it('registerTfjsBackends: the registry reports the reasons and tfjs:auto gives wasm', async () => {
    registerTfjsBackends({ replace: true });
    expect(registeredBackends()).toEqual(
      expect.arrayContaining(['tfjs:node-gpu', 'tfjs:node', 'tfjs:wasm', 'tfjs:cpu']),
    );
    const b = (await createBackend('tfjs:auto')) as TfjsBackend;
    expect(b.name).toBe('tfjs:wasm');
    expect(b.selection.summary).toMatch(/^chose tfjs:wasm; tfjs:node-gpu skipped: install/);
    const probe = await probeBackends();
    const gpu = probe.find((p) => p.name === 'tfjs:node-gpu');
    expect(gpu?.available).toBe(false);
    expect(gpu && !gpu.available && gpu.reason).toMatch(/CUDA 11/);
    expect(probe.find((p) => p.name === 'tfjs:cpu')?.available).toBe(true);
    const error = await createBackend('tfjs:node').catch((e) => e);
    expect(isTensorError(error, 'TENSOR_BACKEND_UNAVAILABLE')).toBe(true);
    expect(error.message).toMatch(/tfjs:node: unavailable: install @tensorflow\/tfjs-node /);
  });
});
