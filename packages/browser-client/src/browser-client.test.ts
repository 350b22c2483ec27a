import { LlamaModel, loadTokenizer, TrainableView } from '@meerkat/lm';
import { createLayout, randomMask } from '@meerkat/sparse-mask';
import { createReferenceBackend } from '@meerkat/tensor';
import { deriveSeed, fillDirection, replay, ZoError } from '@meerkat/zo-estimator';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../test/stories.js';
import { type BrowserClient, createBrowserClient, type LmBatch } from './browser-client.js';
import { BrowserClientError } from './errors.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

async function expectClientError(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrowserClientError);
  expect((error as BrowserClientError).code).toBe('BROWSER_INVALID_ARGUMENT');
  for (const p of parts) expect((error as BrowserClientError).message).toContain(p);
}

describe.skipIf(!HAVE_STORIES)(
  `createBrowserClient on stories260K, reference:cpu${STORIES_SKIP_NOTE}`,
  () => {
    let model: LlamaModel;
    let indices: Uint32Array;
    let batches: LmBatch[];
    const options = () => ({
      model,
      maskIndices: indices,
      runSeed: 99n,
      clientId: 'c-1',
      lr: 1e-2,
    });

    beforeAll(() => {
      model = LlamaModel.load(STORIES_DIR, createReferenceBackend());
      indices = randomMask(createLayout(model.specs), { density: 1e-3 }, 5n).indices;
      const tokenizer = loadTokenizer(STORIES_DIR);
      batches = ['Once upon a time, there was a cat.', 'Tom liked to play in the sun.'].map(
        (text) => {
          const ids = Uint32Array.from(tokenizer.encode(text));
          return { ids, shape: [1, ids.length] as const };
        },
      );
    });

    it('runs ZO steps at derived seeds; replay rebuilds θ bit for bit and the model holds it', async () => {
      const client = await createBrowserClient(options());
      const theta0 = client.theta();
      const result = await client.localSteps(batches, { round: 4 });
      expect(result.records.map((r) => r.seed)).toEqual([
        deriveSeed(99n, 4, 'c-1', 0),
        deriveSeed(99n, 4, 'c-1', 1),
      ]);
      expect(result.forwardPasses).toBe(4);
      expect(result.skipped).toBe(0);
      expect(result.losses.every(Number.isFinite)).toBe(true);
      expect(bits(replay(theta0.slice(), result.records, client.updateOptions))).toEqual(
        bits(result.theta),
      );
      expect(bits(result.theta)).not.toEqual(bits(theta0));
      // The weights on the backend are θ (not the last perturbation θ − εz).
      const fresh = await TrainableView.create(model, indices);
      expect(bits(fresh.read())).toEqual(bits(result.theta));
      client.setTheta(theta0);
      expect(bits((await TrainableView.create(model, indices)).read())).toEqual(bits(theta0));
    });

    it('g is the two-point difference of the loss along z(seed) (computed here without the estimator)', async () => {
      const client = await createBrowserClient(options());
      const theta0 = client.theta();
      const z = new Float32Array(theta0.length);
      fillDirection(deriveSeed(99n, 0, 'c-1', 0), z);
      const eps = 1e-3;
      client.setTheta(theta0.map((v, i) => v + eps * z[i]!));
      const plus = await client.loss(batches[0]!);
      client.setTheta(theta0.map((v, i) => v - eps * z[i]!));
      const minus = await client.loss(batches[0]!);
      client.setTheta(theta0);
      const result = await client.localSteps([batches[0]!]);
      // MeZO's in-place order computes θ − εz as (θ + εz) − 2εz in float32: a difference in the
      // last bits of θ, so g agrees to ~1e-4 (7.6e-5 measured), not bit for bit.
      expect(Math.abs(result.records[0]!.g - (plus - minus) / (2 * eps))).toBeLessThan(5e-4);
      expect(Math.abs(result.losses[0]! - (plus + minus) / 2)).toBeLessThan(1e-5);
      client.setTheta(theta0);
    });

    it('rejects bad options and batches with typed errors', async () => {
      const client: BrowserClient = await createBrowserClient(options());
      await expectClientError(client.localSteps([]), 'at least one batch');
      await expectClientError(client.localSteps(batches, { round: -1 }), 'round', '-1');
      const running = client.localSteps([batches[0]!]);
      await expectClientError(client.localSteps([batches[0]!]), 'already running');
      expect(() => client.setTheta(client.theta())).toThrow(BrowserClientError);
      await running;
      await expectClientError(createBrowserClient({ ...options(), clientId: '' }), 'clientId');
      await expectClientError(
        createBrowserClient({ ...options(), maskIndices: new Uint32Array(0) }),
        'maskIndices is empty',
      );
      await expect(createBrowserClient({ ...options(), lr: -1 })).rejects.toBeInstanceOf(ZoError);
      await expect(createBrowserClient({ ...options(), runSeed: -1n })).rejects.toBeInstanceOf(
        ZoError,
      );
    });
  },
);
