import type { InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { SessionCache } from './session-cache.js';

/** A stand-in with only what the cache touches (release), recording when it was released. */
function fakeSession(log: string[], name: string): InferenceSession {
  return { release: async () => void log.push(`released ${name}`) } as unknown as InferenceSession;
}

describe('SessionCache', () => {
  it('shares one creation per key, evicts the least recently used, and never releases a session in use', async () => {
    const log: string[] = [];
    const cache = new SessionCache(1);
    let creations = 0;
    const create = (name: string) => async () => {
      creations++;
      return fakeSession(log, name);
    };
    let finishA!: () => void;
    const runA = cache.use('a', create('a'), async () => {
      log.push('a running');
      await new Promise<void>((resolve) => {
        finishA = resolve;
      });
      log.push('a done');
      return 1;
    });
    await new Promise((r) => setTimeout(r, 0));
    // b evicts a while a's run is in flight: a is released only after it finishes.
    expect(await cache.use('b', create('b'), async () => 2)).toBe(2);
    expect(log).toEqual(['a running']);
    finishA();
    expect(await runA).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['a running', 'a done', 'released a']);
    expect(await cache.use('b', create('b'), async () => 3)).toBe(3);
    expect(creations).toBe(2);
    expect(cache.stats()).toMatchObject({ sessions: 1, hits: 1, misses: 2 });
    await cache.clear();
    expect(log.at(-1)).toBe('released b');
  });

  it('forgets a key whose creation failed, so the next use tries again', async () => {
    const cache = new SessionCache(4);
    await expect(
      cache.use(
        'x',
        async () => Promise.reject(new Error('bad graph')),
        async () => 0,
      ),
    ).rejects.toThrow('bad graph');
    expect(cache.stats().sessions).toBe(0);
    expect(
      await cache.use(
        'x',
        async () => fakeSession([], 'x'),
        async () => 5,
      ),
    ).toBe(5);
  });
});
