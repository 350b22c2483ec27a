import type { SparseMask } from '@meerkat/sparse-mask';
import { MeerkatError, PROTOCOL_VERSION, type RunDescriptor } from '@meerkat/trainer';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { getMaskObject, putMaskObject } from './mask-object.js';
import {
  assertManifestFitsModel,
  type ClientModelLayout,
  parseRunManifest,
  type RunManifest,
} from './run-manifest.js';
import type { RunSubjects } from './subjects.js';

/** KV key of the manifest in the run bucket. */
export const MANIFEST_KEY = 'manifest';

export interface PublishManifestInput {
  readonly run: RunDescriptor;
  readonly mask: SparseMask;
  readonly hyperparameters: RunManifest['hyperparameters'];
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * Coordinator: creates the run's KV bucket and object store (file storage), stores the mask
 * in chunks and the manifest under `manifest`. Idempotent: publishing the same run again (after
 * a coordinator restart) rewrites the same content.
 */
export async function publishRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  input: PublishManifestInput,
): Promise<RunManifest> {
  if (input.run.runId !== subjects.run) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `The run descriptor is for run ${input.run.runId}, the subjects for run ${subjects.run}.`,
    );
  }
  const js = jetstream(nc);
  const kv = await new Kvm(js).create(subjects.kvBucket, { history: 1 });
  const objects = await new Objm(js).create(subjects.objectBucket);
  const mask = await putMaskObject(objects, input.mask);
  const manifest: RunManifest = {
    protocolVersion: PROTOCOL_VERSION,
    run: input.run,
    mask,
    hyperparameters: input.hyperparameters,
    config: JSON.parse(JSON.stringify(input.config ?? {})) as Record<string, unknown>,
    createdAt: new Date().toISOString(),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  parseRunManifest(bytes); // what clients will read must pass their validation
  await kv.put(MANIFEST_KEY, bytes);
  return manifest;
}

/**
 * Reads and validates the manifest. Waits (polling every 200 ms, at most `waitMs`, default 0)
 * for a coordinator that has not published yet; then `MEERKAT_PROTOCOL`.
 */
export async function readRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  options: { readonly waitMs?: number } = {},
): Promise<RunManifest> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const entry = await tryGetManifest(nc, subjects);
    if (entry !== null) return parseRunManifest(entry);
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new MeerkatError(
    'MEERKAT_PROTOCOL',
    `Run ${subjects.run} has no manifest on this NATS server (KV bucket ${subjects.kvBucket}, key ${MANIFEST_KEY}); start the coordinator (meerkat serve) first, or check the run id.`,
  );
}

async function tryGetManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
): Promise<Uint8Array | null> {
  try {
    const kv = await new Kvm(nc).open(subjects.kvBucket);
    const entry = await kv.get(MANIFEST_KEY);
    return entry === null || entry.operation !== 'PUT' ? null : entry.value;
  } catch (e) {
    // No bucket yet: the coordinator has not started.
    if (e instanceof Error && /stream not found|bucket not found/i.test(`${e.name} ${e.message}`)) {
      return null;
    }
    throw e;
  }
}

/**
 * Client: reads the manifest, refuses a model that does not fit (typed error), then fetches
 * the mask, verifying its sha256 against the manifest.
 */
export async function joinRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  layout: ClientModelLayout,
  options: { readonly waitMs?: number } = {},
): Promise<{ readonly manifest: RunManifest; readonly mask: SparseMask }> {
  const manifest = await readRunManifest(nc, subjects, options);
  assertManifestFitsModel(manifest, layout);
  const objects = await new Objm(nc).open(subjects.objectBucket);
  const mask = await getMaskObject(objects, manifest.mask);
  return { manifest, mask };
}
