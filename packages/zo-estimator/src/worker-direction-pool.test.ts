import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { expectSameBits } from '../test/bits.js';
import { bundleForTest } from '../test/bundle.js';
import {
  type DirectionDistribution,
  type DirectionPool,
  fillDirection,
  fillDirectionRange,
  replay,
  type StepRecord,
  ZoError,
  ZoOptimizer,
} from './index.js';
import { createDirectionPool, MAX_DIRECTION_POOL_THREADS } from './node.js';

async function zoError(promise: Promise<unknown>): Promise<ZoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZoError);
  return error as ZoError;
}

const pools = new Map<number, DirectionPool>();
function pool(threads: number): DirectionPool {
  let p = pools.get(threads);
  if (p === undefined) {
    p = createDirectionPool({ threads });
    pools.set(threads, p);
  }
  return p;
}
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

describe('createDirectionPool', () => {
  const SMALL_SIZES = [0, 1, 3, 4, 5, 9, 4 * 4096 + 7];
  const OFFSETS = [0, 1, 2, 3, 4, 6, 4 * 4096 - 1];
  const distributions: DirectionDistribution[] = ['gaussian', 'rademacher'];

  it.each([1, 2, 3])(
    'fills bit-identically to fillDirectionRange: sizes 0–16391, unaligned offsets, both distributions (%i threads)',
    async (threads) => {
      const p = pool(threads);
      expect(p.threads).toBe(threads);
      for (const distribution of distributions) {
        for (const size of SMALL_SIZES) {
          for (const from of OFFSETS) {
            for (const stream of [0, 5]) {
              const seed = BigInt(size * 1009 + from * 13 + stream) + 0xfedcba9876543210n;
              const options = { stream, distribution };
              const expected = fillDirectionRange(seed, new Float32Array(size), from, options);
              const out = p.allocate(size);
              const result = await p.fillRange(seed, out, from, options);
              expect(result).toBe(out);
              expectSameBits(out, expected);
              if (from === 0) {
                const full = await p.fill(seed, p.allocate(size), options);
                expectSameBits(full, fillDirection(seed, new Float32Array(size), options));
              }
            }
          }
        }
      }
    },
  );

  it.each([1, 2, 3])(
    'fills a direction of 10^6 + 3 entries bit-identically, also at unaligned offsets (%i threads)',
    async (threads) => {
      const p = pool(threads);
      const size = 1_000_003;
      for (const [from, distribution] of [
        [0, 'gaussian'],
        [3, 'gaussian'],
        [16_385, 'rademacher'],
      ] as const) {
        const seed = 42n + BigInt(from);
        const expected = fillDirectionRange(seed, new Float32Array(size), from, { distribution });
        const out = await p.fillRange(seed, p.allocate(size), from, { distribution });
        expectSameBits(out, expected);
      }
    },
  );

  it('fills non-shared arrays and subarrays at any byte offset, also concurrently', async () => {
    const p = pool(3);
    const shared = p.allocate(50_000);
    const jobs: Promise<Float32Array>[] = [];
    const expected: Float32Array[] = [];
    for (let i = 0; i < 6; i++) {
      const size = 7_001 + i;
      // Alternate: plain array (staged through shared memory), shared subarray, plain subarray.
      const out =
        i % 3 === 0
          ? new Float32Array(size)
          : i % 3 === 1
            ? shared.subarray(i * 8_000 + 1, i * 8_000 + 1 + size)
            : new Float32Array(size + 10).subarray(5, 5 + size);
      jobs.push(p.fillRange(BigInt(i), out, i, { stream: i }));
      expected.push(fillDirectionRange(BigInt(i), new Float32Array(size), i, { stream: i }));
    }
    const results = await Promise.all(jobs);
    results.forEach((r, i) => {
      expectSameBits(r, expected[i]!);
    });
    // The pure-JS engine request is honoured on the calling thread, with the same numbers.
    const js = await p.fill(3n, new Float32Array(1001), { engine: 'js' });
    expectSameBits(js, fillDirection(3n, new Float32Array(1001)));
  });

  it('rejects bad thread counts with ZO_INVALID_ARGUMENT', () => {
    for (const threads of [0, -1, 1.5, Number.NaN, MAX_DIRECTION_POOL_THREADS + 1, '2']) {
      let error: unknown;
      try {
        createDirectionPool({ threads: threads as number });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ZoError);
      expect((error as ZoError).code).toBe('ZO_INVALID_ARGUMENT');
    }
  });

  it('rejects bad requests with typed errors and stays usable', async () => {
    const p = pool(2);
    const out = p.allocate(8);
    expect((await zoError(p.fill(-1n, out))).code).toBe('ZO_INVALID_SEED');
    expect((await zoError(p.fill(1n, out, { stream: -1 }))).code).toBe('ZO_INVALID_ARGUMENT');
    expect((await zoError(p.fillRange(1n, out, 0.5))).code).toBe('ZO_INVALID_ARGUMENT');
    expect(
      (await zoError(p.fill(1n, out, { distribution: 'uniform' as DirectionDistribution }))).code,
    ).toBe('ZO_INVALID_ARGUMENT');
    expect(() => p.allocate(-1)).toThrow(ZoError);
    expectSameBits(await p.fill(1n, out), fillDirection(1n, new Float32Array(8)));
  });

  it('after close(), fills reject with ZO_POOL_CLOSED, also one in flight; close is idempotent', async () => {
    const p = createDirectionPool({ threads: 2 });
    const inFlight = p.fill(1n, p.allocate(2_000_000));
    const closing = p.close();
    expect(p.closed).toBe(true);
    expect((await zoError(inFlight)).code).toBe('ZO_POOL_CLOSED');
    await closing;
    await p.close();
    expect((await zoError(p.fill(1n, p.allocate(16)))).code).toBe('ZO_POOL_CLOSED');
    expect((await zoError(p.fillRange(1n, new Float32Array(16), 3))).code).toBe('ZO_POOL_CLOSED');
  });
});

describe('ZoOptimizer with a worker pool', () => {
  const loss = (theta: Float32Array) => {
    let s = 0;
    for (let i = 0; i < theta.length; i += 97) s += (theta[i]! - 0.5) ** 2;
    return s;
  };

  it.each([
    { name: 'n = 1, weight decay, clip', options: { lr: 0.05, weightDecay: 0.2, clip: 1 } },
    {
      name: 'n = 3, Rademacher, weight decay',
      options: { lr: 0.02, directions: 3, distribution: 'rademacher' as const, weightDecay: 0.1 },
    },
  ])('gives the same θ and records as without the pool ($name)', async ({ options }) => {
    const k = (1 << 20) + 4099; // more than one pool update chunk
    const theta0 = Float32Array.from({ length: k }, (_, i) => Math.cos(i) * 0.1);
    const pooled = Float32Array.from(theta0);
    const plain = Float32Array.from(theta0);
    const withPool = new ZoOptimizer(pooled, { ...options, directionPool: pool(3) });
    const without = new ZoOptimizer(plain, options);
    expect(withPool.usesDirectionPool).toBe(true);
    const records: StepRecord[] = [];
    for (let t = 0; t < 2; t++) {
      const a = await withPool.step(loss, BigInt(t) + 77n);
      const b = await without.step(loss, BigInt(t) + 77n);
      expect(a.record).toEqual(b.record);
      records.push(a.record!);
    }
    expectSameBits(pooled, plain);
    expectSameBits(replay(Float32Array.from(theta0), records, withPool.updateOptions), pooled);
  });

  it('leaves θ unchanged when the pool is closed or the objective throws', async () => {
    const p = createDirectionPool({ threads: 2 });
    const theta = Float32Array.from({ length: 100_000 }, (_, i) => i * 1e-3);
    const before = theta.slice();
    const optimizer = new ZoOptimizer(theta, { lr: 0.1, directionPool: p });
    await expect(
      optimizer.step(() => {
        throw new Error('boom');
      }, 1n),
    ).rejects.toThrow('boom');
    expectSameBits(theta, before);
    await p.close();
    expect((await zoError(optimizer.step(loss, 2n))).code).toBe('ZO_POOL_CLOSED');
    expectSameBits(theta, before);
  });
});

/** Runs `node file ...args`; resolves with its exit code and stdout, or 'timeout' after `ms`. */
function runNode(file: string, args: string[], ms: number) {
  return new Promise<{ code: number | null | 'timeout'; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: 'timeout', stdout, stderr });
      }, ms);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    },
  );
}

describe('direction pool and process lifetime', () => {
  it('a plain node process that used a pool exits by itself after close(), and with an idle unclosed pool', async () => {
    const bundle = await bundleForTest(
      new URL('../test/fixtures/pool-child.ts', import.meta.url),
      'node',
    );
    try {
      for (const mode of ['close', 'idle']) {
        const run = await runNode(bundle.file, [mode], 20_000);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toEqual({ same: true, closed: mode === 'close' });
      }
    } finally {
      bundle.cleanup();
    }
  }, 60_000);
});
