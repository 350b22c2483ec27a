import { parameterSpecs, presetConfig } from '@meerkat/lm';
import { createLayout, createSparseMask, encodeMask, randomMask } from '@meerkat/sparse-mask';
import { MeerkatError, PROTOCOL_VERSION, type RunDescriptor } from '@meerkat/trainer';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  joinRunManifest,
  MANIFEST_KEY,
  publishRunManifest,
  readRunManifest,
} from '../src/manifest-store.js';
import { MASK_CHUNK_BYTES } from '../src/mask-object.js';
import { RunSubjects } from '../src/subjects.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

function expectMeerkatError(e: unknown, code: string, ...fragments: string[]): void {
  expect(e).toBeInstanceOf(MeerkatError);
  expect((e as MeerkatError).code).toBe(code);
  for (const f of fragments) expect((e as MeerkatError).message).toContain(f);
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('run manifest in KV and the mask in the object store (stories260K layout)', () => {
  // The preset has stories260K's shapes, so this needs no model files.
  const config = presetConfig('stories260K');
  const layout = createLayout(parameterSpecs(config));
  // k ≈ 40 000 (15%): a mask of ~100 kB plus gradMean, so the object spans several chunks.
  const base = randomMask(layout, { density: 0.15 }, 7n);
  const gradMean = new Float32Array(base.indices.length).map((_, i) => Math.sin(i));
  const mask = createSparseMask({ ...base, gradMean });
  const run: RunDescriptor = {
    runId: 'man',
    runSeed: '42',
    dataSeed: '7',
    optimizer: 'zo',
    lr: 1e-2,
    eps: 1e-3,
    directions: 1,
    distribution: 'gaussian',
    batchSize: 8,
    k: mask.indices.length,
    layoutFingerprint: layout.fingerprint,
  };
  let fx: NatsFixture;
  let coordinator: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'man', clientIds: ['c1'] });
    coordinator = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await coordinator?.close();
    await fx?.close();
  });

  it('tells a client that comes before the coordinator to start it first', async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const e = await caught(readRunManifest(c1, fx.subjects, { waitMs: 300 }));
      expectMeerkatError(e, 'MEERKAT_PROTOCOL', 'meerkat serve', 'KV bucket meerkat_man');
    } finally {
      await c1.close();
    }
  });

  it('publishes the manifest; a client with the same model reads it and gets the exact mask', async () => {
    const published = await publishRunManifest(coordinator, fx.subjects, {
      run,
      mask,
      hyperparameters: { rounds: 3, clientsPerRound: 4, localSteps: 2 },
      config: { rounds: 3, task: { maxTokens: 32 } },
    });
    expect(published.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(published.mask.bytes).toBe(encodeMask(mask).length);
    expect(published.mask.bytes).toBeGreaterThan(MASK_CHUNK_BYTES);
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const joined = await joinRunManifest(c1, fx.subjects, layout);
      expect(joined.manifest).toEqual(published);
      expect(joined.mask.fingerprint).toBe(layout.fingerprint);
      expect(joined.mask.indices).toEqual(mask.indices);
      expect(joined.mask.gradMean).toEqual(gradMean);
    } finally {
      await c1.close();
    }
  });

  it('refuses a client whose model has another layout, naming both fingerprints', async () => {
    const other = createLayout(
      parameterSpecs({ ...config, numHiddenLayers: config.numHiddenLayers + 1 }),
    );
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const e = await caught(joinRunManifest(c1, fx.subjects, other));
      expectMeerkatError(
        e,
        'MEERKAT_MASK_MISMATCH',
        layout.fingerprint,
        other.fingerprint,
        '--model',
      );
    } finally {
      await c1.close();
    }
  });

  it('does not let a client overwrite the manifest', async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const kv = await new Kvm(c1).open(fx.subjects.kvBucket);
      await expect(kv.put(MANIFEST_KEY, '{}')).rejects.toThrow(/Permissions Violation/i);
    } finally {
      await c1.close();
    }
  });

  it('detects a substituted mask object by its sha256', async () => {
    const objects = await new Objm(coordinator).open(fx.subjects.objectBucket);
    const substitute = randomMask(layout, { density: 0.15 }, 8n); // same size, other indices
    await objects.putBlob(
      { name: 'mask.bin' },
      encodeMask(createSparseMask({ ...substitute, gradMean })),
    );
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const e = await caught(joinRunManifest(c1, fx.subjects, layout));
      expectMeerkatError(e, 'MEERKAT_PROTOCOL', 'is corrupt', 'sha256');
    } finally {
      await c1.close();
    }
  });

  it('refuses a manifest of another protocol version and a malformed one', async () => {
    const kv = await new Kvm(coordinator).open(fx.subjects.kvBucket);
    const good = await readRunManifest(coordinator, fx.subjects);
    await kv.put(MANIFEST_KEY, JSON.stringify({ ...good, protocolVersion: PROTOCOL_VERSION + 1 }));
    expectMeerkatError(
      await caught(joinRunManifest(coordinator, fx.subjects, layout)),
      'MEERKAT_PROTOCOL',
      `protocol version ${PROTOCOL_VERSION + 1}`,
    );
    await kv.put(MANIFEST_KEY, JSON.stringify({ ...good, run: { ...good.run, lr: -1 } }));
    expectMeerkatError(
      await caught(readRunManifest(coordinator, fx.subjects)),
      'MEERKAT_PROTOCOL',
      'run.lr',
    );
  });

  it('checks the run id of the descriptor against the subjects', async () => {
    const e = await caught(
      publishRunManifest(coordinator, new RunSubjects('other'), { run, mask, hyperparameters: {} }),
    );
    expectMeerkatError(e, 'MEERKAT_CONFIG_INVALID', 'run man', 'run other');
  });
});
