import { afterEach, describe, expect, it } from 'vitest';
import {
  createBackend,
  createReferenceBackend,
  isTensorError,
  probeBackends,
  registerBackend,
  registeredBackends,
  type TensorError,
  unavailable,
  unregisterBackend,
} from './index.js';

async function rejection(promise: Promise<unknown>): Promise<TensorError> {
  try {
    await promise;
  } catch (error) {
    if (isTensorError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const added: string[] = [];
function register(...args: Parameters<typeof registerBackend>): void {
  registerBackend(...args);
  added.push(args[0]);
}

afterEach(() => {
  for (const name of added.splice(0)) unregisterBackend(name);
});

describe('backend registry', () => {
  it('has reference:cpu built in', async () => {
    expect(registeredBackends()).toContain('reference:cpu');
    const backend = await createBackend('reference:cpu');
    expect(backend.name).toBe('reference:cpu');
    expect(backend.capabilities).toMatchObject({ gradients: false, float16: false, device: 'cpu' });
  });

  it('creates from sync and async factories; each call gets a fresh backend', async () => {
    register('test:sync', createReferenceBackend);
    register('test:async', async () => createReferenceBackend());
    const a = await createBackend('test:sync');
    const b = await createBackend('test:async');
    expect(a).not.toBe(await createBackend('test:sync'));
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });

  it('unknown names throw TENSOR_UNKNOWN_BACKEND listing what is available and why not', async () => {
    register('test:missing', () => unavailable('package @x/y is not installed: npm i @x/y'));
    const error = await rejection(createBackend('tfjs:nope'));
    expect(error.code).toBe('TENSOR_UNKNOWN_BACKEND');
    expect(error.message).toContain("unknown backend 'tfjs:nope'");
    expect(error.message).toContain('reference:cpu: available');
    expect(error.message).toContain(
      'test:missing: unavailable: package @x/y is not installed: npm i @x/y',
    );
  });

  it('unavailable backends (reported, thrown, or rejected) throw TENSOR_BACKEND_UNAVAILABLE', async () => {
    register('test:reported', () => unavailable('no GPU'));
    register('test:throws', () => {
      throw new Error('libtensorflow needs CUDA 11');
    });
    register('test:rejects', async () => Promise.reject(new Error('dawn needs GLIBCXX_3.4.32')));
    for (const [name, reason] of [
      ['test:reported', 'no GPU'],
      ['test:throws', 'factory threw: libtensorflow needs CUDA 11'],
      ['test:rejects', 'factory threw: dawn needs GLIBCXX_3.4.32'],
    ] as const) {
      const error = await rejection(createBackend(name));
      expect(error.code).toBe('TENSOR_BACKEND_UNAVAILABLE');
      expect(error.message).toContain(`${name}: unavailable: ${reason}`);
      expect(error.message).toContain('reference:cpu: available');
    }
  });

  it("'family:auto' takes the first available by priority, then registration order", async () => {
    register('fam:gpu', () => unavailable('no GPU here'), { priority: -1 });
    const made: string[] = [];
    const tagged = (tag: string) => () => {
      made.push(tag);
      return createReferenceBackend();
    };
    register('fam:slow', tagged('slow'), { priority: 5 });
    register('fam:fast', tagged('fast'));
    await createBackend('fam:auto');
    unregisterBackend('fam:fast');
    await createBackend('fam:auto');
    unregisterBackend('fam:slow');
    expect(made).toEqual(['fast', 'slow']);
    const error = await rejection(createBackend('fam:auto'));
    expect(error.code).toBe('TENSOR_BACKEND_UNAVAILABLE');
    expect(error.message).toContain('fam:gpu: unavailable: no GPU here');
    expect((await rejection(createBackend('none:auto'))).code).toBe('TENSOR_UNKNOWN_BACKEND');
    expect((await createBackend('reference:auto')).name).toBe('reference:cpu');
  });

  it('rejects duplicate and malformed names', async () => {
    register('test:dup', createReferenceBackend);
    expect(() => registerBackend('test:dup', createReferenceBackend)).toThrow(
      expect.objectContaining({ code: 'TENSOR_DUPLICATE_BACKEND' }),
    );
    registerBackend('test:dup', createReferenceBackend, { replace: true });
    for (const bad of ['nocolon', 'Tfjs:wasm', 'tfjs:auto', 'a:b:c', '']) {
      expect(() => registerBackend(bad, createReferenceBackend)).toThrow(
        expect.objectContaining({ code: 'TENSOR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('probeBackends reports every registered backend', async () => {
    register('test:off', () => unavailable('switched off'));
    const report = await probeBackends();
    expect(report).toContainEqual({ name: 'reference:cpu', available: true });
    expect(report).toContainEqual({ name: 'test:off', available: false, reason: 'switched off' });
  });
});
