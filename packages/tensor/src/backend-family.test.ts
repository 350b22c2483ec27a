import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendFamily,
  createBackend,
  createReferenceBackend,
  familySelection,
  firstAvailable,
  isTensorError,
  probeBackends,
  registeredBackends,
  registerFamily,
  unregisterBackend,
} from './index.js';

type Engine = 'fast' | 'medium' | 'slow';

const FAMILY: BackendFamily<'engine', Engine> = {
  family: 'fam',
  key: 'engine',
  noun: 'test engine',
  order: ['fast', 'medium', 'slow'],
};

/** Makes the listed engines; every other one throws a two-line reason. */
function only(present: readonly Engine[], calls: Engine[] = []) {
  return async (engine: Engine) => {
    calls.push(engine);
    if (!present.includes(engine)) throw new Error(`${engine} is missing\nsecond line`);
    return engine.toUpperCase();
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error & { code?: string }) => error,
  );
}

afterEach(() => {
  for (const name of registeredBackends()) if (name.startsWith('fam:')) unregisterBackend(name);
});

describe('familySelection', () => {
  it('names the chosen variant and each skipped one under the family key, in one line too', () => {
    expect(familySelection(FAMILY, 'slow', [])).toEqual({
      engine: 'slow',
      skipped: [],
      summary: 'chose fam:slow',
    });
    const skipped = [
      { engine: 'fast', reason: 'no GPU' },
      { engine: 'medium', reason: 'not installed' },
    ] as const;
    expect(familySelection(FAMILY, 'slow', skipped)).toEqual({
      engine: 'slow',
      skipped,
      summary: 'chose fam:slow; fam:fast skipped: no GPU; fam:medium skipped: not installed',
    });
  });
});

describe('firstAvailable', () => {
  it("'auto' tries the order and returns the first made, with the skipped ones before it", async () => {
    const seen: string[] = [];
    const found = await firstAvailable(FAMILY, 'auto', async (engine, selection) => {
      seen.push(selection.summary);
      return only(['medium', 'slow'])(engine);
    });
    expect(found).toEqual({
      made: 'MEDIUM',
      selection: {
        engine: 'medium',
        skipped: [{ engine: 'fast', reason: 'fast is missing\nsecond line' }],
        summary: 'chose fam:medium; fam:fast skipped: fast is missing\nsecond line',
      },
    });
    expect(seen).toEqual(['chose fam:fast', found.selection.summary]);
  });

  it('a named variant is tried alone; autoOrder narrows auto; reasonOf shapes the reasons', async () => {
    const calls: Engine[] = [];
    expect((await firstAvailable(FAMILY, 'slow', only(['slow'], calls))).made).toBe('SLOW');
    expect(calls).toEqual(['slow']);
    const firstLine: BackendFamily<'engine', Engine> = {
      ...FAMILY,
      reasonOf: (error) => (error as Error).message.split('\n')[0]!,
    };
    const found = await firstAvailable(firstLine, 'auto', only(['slow']), ['medium', 'slow']);
    expect(found.selection.skipped).toEqual([{ engine: 'medium', reason: 'medium is missing' }]);
  });

  it('an unknown name is TENSOR_INVALID_ARGUMENT naming the variants; nothing is tried', async () => {
    const calls: Engine[] = [];
    const error = await rejection(firstAvailable(FAMILY, 'turbo', only([], calls)));
    expect(isTensorError(error, 'TENSOR_INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toBe(
      "unknown test engine 'turbo'; use one of fast, medium, slow or auto",
    );
    expect(calls).toEqual([]);
  });

  it('nothing made is TENSOR_BACKEND_UNAVAILABLE listing every reason', async () => {
    const error = await rejection(firstAvailable(FAMILY, 'auto', only([])));
    expect(isTensorError(error, 'TENSOR_BACKEND_UNAVAILABLE')).toBe(true);
    expect(error.message).toMatch(/^no test engine is available \(auto\):\n {2}fam:fast: fast is/);
    for (const v of FAMILY.order) expect(error.message).toContain(`fam:${v}: ${v} is missing`);
  });
});

describe('registerFamily', () => {
  it('registers every variant by priority; auto passes the reasons of better failures on', async () => {
    const summaries: string[] = [];
    const present = new Set<Engine>(['medium', 'slow']);
    registerFamily(FAMILY, async (engine, selection) => {
      summaries.push(selection.summary);
      if (!present.has(engine)) throw new Error(`${engine} is missing`);
      return createReferenceBackend();
    });
    expect(registeredBackends()).toEqual(expect.arrayContaining(['fam:fast', 'fam:medium']));
    await createBackend('fam:auto');
    expect(summaries).toEqual([
      'chose fam:fast',
      'chose fam:medium; fam:fast skipped: fast is missing',
    ]);
    const probe = await probeBackends();
    expect(probe).toContainEqual({ name: 'fam:fast', available: false, reason: 'fast is missing' });
    expect(probe).toContainEqual({ name: 'fam:slow', available: true });
    present.add('fast');
    summaries.length = 0;
    await createBackend('fam:auto');
    await createBackend('fam:medium');
    // a variant that worked is no longer reported as skipped
    expect(summaries).toEqual(['chose fam:fast', 'chose fam:medium']);
  });

  it('registering twice throws unless replace; reportsSkip leaves variants out of skipped', async () => {
    const make = async () => createReferenceBackend();
    registerFamily(FAMILY, make);
    expect(() => registerFamily(FAMILY, make)).toThrow(
      expect.objectContaining({ code: 'TENSOR_DUPLICATE_BACKEND' }),
    );
    const skippedSeen: string[][] = [];
    registerFamily(
      FAMILY,
      async (engine, selection) => {
        skippedSeen.push(selection.skipped.map((s) => s.engine));
        if (engine !== 'slow') throw new Error('no');
        return createReferenceBackend();
      },
      { replace: true, reportsSkip: (engine) => engine !== 'fast' },
    );
    await createBackend('fam:auto');
    expect(skippedSeen).toEqual([[], [], ['medium']]);
  });
});
