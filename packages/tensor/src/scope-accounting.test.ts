import { describe, expect, it } from 'vitest';
import { ScopeAccounting } from './index.js';

class Handle {
  freed = 0;
  constructor(readonly bytes: number) {}
}

function accounting() {
  return new ScopeAccounting<Handle>({
    isHandle: (value): value is Handle => value instanceof Handle,
    bytesOf: (h) => h.bytes,
    free: (h) => {
      h.freed++;
    },
  });
}

describe('ScopeAccounting', () => {
  it('counts live handles and bytes; release is idempotent and frees once', () => {
    const acc = accounting();
    const a = acc.track(new Handle(8));
    acc.track(new Handle(4));
    expect(acc.memory()).toEqual({ tensors: 2, bytes: 12 });
    acc.release(a);
    acc.release(a);
    expect(a.freed).toBe(1);
    expect(acc.memory()).toEqual({ tensors: 1, bytes: 4 });
    acc.release(new Handle(100)); // never tracked: ignored
    expect(acc.memory()).toEqual({ tensors: 1, bytes: 4 });
  });

  it('a scope frees what it neither returns (through arrays and plain objects) nor keeps', () => {
    const acc = accounting();
    const made: Handle[] = [];
    const make = () => {
      const h = acc.track(new Handle(1));
      made.push(h);
      return h;
    };
    const out = acc.scope(() => {
      make();
      const kept = make();
      acc.keep(kept);
      return { nested: [make(), { deep: make() }], n: 3 };
    });
    expect(made.map((h) => h.freed)).toEqual([1, 0, 0, 0]);
    expect(out.n).toBe(3);
    expect(acc.memory()).toEqual({ tensors: 3, bytes: 3 });
  });

  it('handles returned from an inner scope belong to the outer one', () => {
    const acc = accounting();
    let inner: Handle | undefined;
    acc.scope(() => {
      inner = acc.scope(() => acc.track(new Handle(2)));
      expect(inner.freed).toBe(0);
    });
    expect(inner?.freed).toBe(1);
    expect(acc.memory()).toEqual({ tensors: 0, bytes: 0 });
  });

  it('frees everything a throwing scope made and rethrows', () => {
    const acc = accounting();
    const boom = new Error('boom');
    let h: Handle | undefined;
    expect(() =>
      acc.scope(() => {
        h = acc.track(new Handle(1));
        throw boom;
      }),
    ).toThrow(boom);
    expect(h?.freed).toBe(1);
    expect(acc.memory().tensors).toBe(0);
  });

  it('rejects a promise-returning fn with TENSOR_INVALID_ARGUMENT after freeing what it made', () => {
    const acc = accounting();
    let h: Handle | undefined;
    expect(() =>
      acc.scope(() => {
        h = acc.track(new Handle(1));
        return Promise.resolve(h);
      }),
    ).toThrow(expect.objectContaining({ name: 'TensorError', code: 'TENSOR_INVALID_ARGUMENT' }));
    expect(h?.freed).toBe(1);
  });

  it('transient frees every handle fn made, returned ones included', () => {
    const acc = accounting();
    const h = acc.transient(() => acc.track(new Handle(1)));
    expect(h.freed).toBe(1);
    expect(acc.memory().tensors).toBe(0);
  });
});
