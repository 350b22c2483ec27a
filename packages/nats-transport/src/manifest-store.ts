import type { SparseMask } from '@meerkat/sparse-mask';
import { MeerkatError, PROTOCOL_VERSION, type RunDescriptor } from '@meerkat/trainer';
import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { ADMIN_TIMEOUT_MS, isFailoverError, retryDuringFailover } from './failover-retry.js';
import { allParametersMask, getMaskObject, putMaskObject } from './mask-object.js';
import {
  assertManifestFitsModel,
  type ClientModelLayout,
  type ManifestMask,
  type MaskReference,
  parseRunManifest,
  type RunManifest,
} from './run-manifest.js';
import { runReplicas } from './run-streams.js';
import type { RunSubjects } from './subjects.js';

/** KV key of the manifest in the run bucket. */
export const MANIFEST_KEY = 'manifest';

export interface PublishManifestInput {
  readonly run: RunDescriptor;
  readonly mask: SparseMask;
  /**
   * The mask is every parameter of its layout (full-parameter ZO): the manifest says
   * `mask: { kind: 'all', fingerprint, d }` and nothing goes to the object store; each client
   * builds the identity mask of its own model. The mask must have k = d.
   */
  readonly allParameters?: boolean;
  readonly hyperparameters: RunManifest['hyperparameters'];
  readonly config?: Readonly<Record<string, unknown>>;
  /** Copies of the KV bucket and the object store (JetStream replicas): default 1, 3 on a cluster. */
  readonly replicas?: number;
}

/**
 * Coordinator: creates the run's KV bucket and object store (file storage), stores the mask
 * in chunks and the manifest under `manifest` (with `allParameters`, no object store and no
 * mask object). Idempotent: publishing the same run again (after a coordinator restart)
 * rewrites the same content.
 */
export async function publishRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  input: PublishManifestInput & { readonly allParameters?: false },
): Promise<RunManifest & { readonly mask: MaskReference }>;
export async function publishRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  input: PublishManifestInput,
): Promise<RunManifest>;
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
  if (input.allParameters === true && input.mask.indices.length !== input.mask.d) {
    throw new MeerkatError(
      'MEERKAT_INVALID_STATE',
      `A manifest for every parameter needs the full mask (k = d), got k = ${input.mask.indices.length} of d = ${input.mask.d}.`,
    );
  }
  // Creating a file-backed bucket on a busy (or electing) server can outlast the client's 5 s
  // default: a longer request timeout, and the create (idempotent with the same config) retried.
  const js = jetstream(nc, { timeout: ADMIN_TIMEOUT_MS });
  const replicas = runReplicas(input);
  const kv = await retryDuringFailover(() =>
    new Kvm(js).create(subjects.kvBucket, { history: 1, replicas }),
  );
  const mask: ManifestMask =
    input.allParameters === true
      ? { kind: 'all', fingerprint: input.mask.fingerprint, d: input.mask.d }
      : await putMaskObject(
          await retryDuringFailover(() => new Objm(js).create(subjects.objectBucket, { replicas })),
          input.mask,
        );
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
  await retryDuringFailover(() => kv.put(MANIFEST_KEY, bytes));
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

/** What `waitForRunManifest` reports while no manifest is there (first at once, then every `progressMs`). */
export interface ManifestWait {
  readonly run: string;
  readonly waitedMs: number;
  readonly waitMs: number;
  /** `waiting for the coordinator of run R to publish its manifest on NATS (…); N s of M s` */
  readonly message: string;
}

/** Polling interval of the manifest waits. */
const MANIFEST_POLL_MS = 200;

/** Seconds for a message: whole seconds, or one decimal below 10 s when not whole. */
function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 || Number.isInteger(s) ? Math.round(s) : Number(s.toFixed(1))} s`;
}

/**
 * A client's wait for its coordinator: reads the manifest, and while there is none calls
 * `onWaiting` at once and every `progressMs` (default 10 s), polling every 200 ms for at most
 * `waitMs`. Then `MEERKAT_COORDINATOR_UNAVAILABLE`, naming the run, how long it waited and what
 * to check (`meerkat serve` running for this run id, the same NATS server and account).
 */
export async function waitForRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  options: {
    readonly waitMs: number;
    readonly progressMs?: number;
    readonly onWaiting?: (wait: ManifestWait) => void;
  },
): Promise<RunManifest> {
  const { waitMs } = options;
  const progressMs = Math.max(1, options.progressMs ?? 10_000);
  const where = `KV bucket ${subjects.kvBucket}, key ${MANIFEST_KEY}`;
  const started = Date.now();
  let nextReport = 0;
  for (;;) {
    const entry = await tryGetManifest(nc, subjects);
    if (entry !== null) return parseRunManifest(entry);
    const waitedMs = Date.now() - started;
    if (waitedMs >= waitMs) break;
    if (waitedMs >= nextReport) {
      // Reported on the progress marks (0, 10 s, 20 s, …), whatever a poll's own latency.
      const mark = Math.floor(waitedMs / progressMs) * progressMs;
      nextReport = mark + progressMs;
      options.onWaiting?.({
        run: subjects.run,
        waitedMs: mark,
        waitMs,
        message: `waiting for the coordinator of run ${subjects.run} to publish its manifest on NATS (${where}); ${seconds(mark)} of ${seconds(waitMs)}`,
      });
    }
    await new Promise((r) =>
      setTimeout(r, Math.max(1, Math.min(MANIFEST_POLL_MS, waitMs - waitedMs))),
    );
  }
  throw new MeerkatError(
    'MEERKAT_COORDINATOR_UNAVAILABLE',
    `No coordinator published run ${subjects.run} on this NATS server: no manifest (${where}) after waiting ${seconds(Date.now() - started)}. Check that meerkat serve is running for run id ${subjects.run} (the name of its config's runDir) and that it and this client use the same NATS server and account (the credentials issued for this run); then join again, or wait longer (meerkat join --wait SECONDS).`,
  );
}

/** The run's manifest, or null while no coordinator has published one (no bucket or no key). */
export async function findRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
): Promise<RunManifest | null> {
  const entry = await tryGetManifest(nc, subjects);
  return entry === null ? null : parseRunManifest(entry);
}

/** True for the error JetStream gives for a bucket (stream) that does not exist. */
export function isMissingBucketError(e: unknown): boolean {
  return (
    e instanceof Error &&
    /stream not found|bucket not found|object store not found/i.test(`${e.name} ${e.message}`)
  );
}

/** The run's KV bucket, or null when it does not exist (no coordinator has started the run). */
export async function openRunBucket(nc: NatsConnection, subjects: RunSubjects): Promise<KV | null> {
  try {
    return await new Kvm(nc).open(subjects.kvBucket);
  } catch (e) {
    if (isMissingBucketError(e)) return null;
    throw e;
  }
}

async function tryGetManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
): Promise<Uint8Array | null> {
  try {
    const kv = await openRunBucket(nc, subjects);
    const entry = kv === null ? null : await kv.get(MANIFEST_KEY);
    return entry === null || entry.operation !== 'PUT' ? null : entry.value;
  } catch (e) {
    // No bucket yet: the coordinator has not started. A timeout while a JetStream cluster
    // creates the replicated bucket (or elects its leader) is "not there yet" too.
    if (isMissingBucketError(e) || isFailoverError(e)) return null;
    throw e;
  }
}

/**
 * Client: reads the manifest, refuses a model that does not fit (typed error), then fetches
 * the mask, verifying its sha256 against the manifest; for `kind: 'all'` (full-parameter ZO)
 * it builds the identity mask of the client's own layout instead.
 */
export async function joinRunManifest(
  nc: NatsConnection,
  subjects: RunSubjects,
  layout: ClientModelLayout,
  options: { readonly waitMs?: number } = {},
): Promise<{ readonly manifest: RunManifest; readonly mask: SparseMask }> {
  const manifest = await readRunManifest(nc, subjects, options);
  assertManifestFitsModel(manifest, layout);
  if (manifest.mask.kind === 'all') return { manifest, mask: allParametersMask(layout) };
  const objects = await new Objm(nc).open(subjects.objectBucket);
  const mask = await getMaskObject(objects, manifest.mask);
  return { manifest, mask };
}
