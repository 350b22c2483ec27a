import { describe, expect, it } from 'vitest';
import { isTensorError } from './errors.js';
import { backendPackageName, createBackend, registeredBackends } from './registry.js';

describe('backend package discovery', () => {
  it('imports @meerkat/backend-tfjs by convention when no tfjs:* backend is registered', async () => {
    expect(registeredBackends().some((n) => n.startsWith('tfjs:'))).toBe(false);
    const backend = await createBackend('tfjs:cpu');
    expect(backend.name).toBe('tfjs:cpu');
    expect(registeredBackends()).toContain('tfjs:wasm');
  });

  it('names the package it tried, and why it failed, for an unknown family', async () => {
    expect(backendPackageName('nosuch')).toBe('@meerkat/backend-nosuch');
    expect(backendPackageName('ort')).toBe('@meerkat/backend-onnxruntime');
    const error = await createBackend('nosuch:x').catch((e: unknown) => e);
    expect(isTensorError(error) && error.code).toBe('TENSOR_UNKNOWN_BACKEND');
    expect(String((error as Error).message)).toMatch(/could not import @meerkat\/backend-nosuch/);
  });
});
