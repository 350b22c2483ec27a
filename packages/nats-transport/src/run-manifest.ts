import { MeerkatError, PROTOCOL_VERSION, type RunDescriptor } from '@meerkat/trainer';
import { z } from 'zod';

const fingerprint = z.string().regex(/^[0-9a-f]{16}$/, '16 lowercase hex digits');
const decimalSeed = z.string().regex(/^[0-9]{1,20}$/, 'a decimal 64-bit seed');
const finite = z.number().refine(Number.isFinite, 'a finite number');

const runDescriptorSchema = z.strictObject({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  runSeed: decimalSeed,
  dataSeed: decimalSeed,
  optimizer: z.enum(['zo', 'sgd']),
  lr: finite.positive(),
  eps: finite.positive(),
  directions: z.number().int().min(1).max(1024),
  distribution: z.enum(['gaussian', 'rademacher']),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 20),
  k: z.number().int().min(1),
  layoutFingerprint: fingerprint,
});

/** Where the mask lives in the run's object store, and what its bytes must hash to. */
const maskReferenceSchema = z.strictObject({
  /** Absent in manifests written before full-parameter runs were served (and still omitted). */
  kind: z.literal('object').optional(),
  /** Object name in the run's object store. */
  object: z.string().min(1).max(256),
  /** sha256 of the encoded mask (sparse-mask binary format), 64 lowercase hex digits. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  fingerprint,
  d: z.number().int().positive(),
  k: z.number().int().positive(),
});

/**
 * Every parameter of the layout trains (full-parameter ZO): no mask object, each client builds
 * the identity mask (indices 0 … d − 1) of its own model once fingerprint and d match.
 */
const allParametersMaskSchema = z.strictObject({
  kind: z.literal('all'),
  fingerprint,
  d: z.number().int().positive(),
});

/** The manifest's mask: a stored mask object (`kind` absent or `object`), or `kind: 'all'`. */
const manifestMaskSchema = z.discriminatedUnion('kind', [
  maskReferenceSchema,
  allParametersMaskSchema,
]);

export const runManifestSchema = z.strictObject({
  protocolVersion: z.number().int().positive(),
  run: runDescriptorSchema,
  mask: manifestMaskSchema,
  /** The coordinator's hyperparameters (rounds, clients per round, steps…), as plain JSON. */
  hyperparameters: z.record(z.string(), z.union([z.string(), finite, z.boolean(), z.null()])),
  /**
   * The coordinator's resolved run config (task template, verbalizer, partition…), so a client
   * builds the same prompts; paths in it are the coordinator's, a client overrides model/data.
   */
  config: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

/** What a client must know before it joins a NATS run; stored in the run's KV bucket. */
export type RunManifest = z.infer<typeof runManifestSchema> & { readonly run: RunDescriptor };
export type MaskReference = z.infer<typeof maskReferenceSchema>;
export type AllParametersMask = z.infer<typeof allParametersMaskSchema>;
export type ManifestMask = MaskReference | AllParametersMask;

/** How many values the manifest's mask trains (d for `kind: 'all'`). */
export function manifestMaskK(mask: ManifestMask): number {
  return mask.kind === 'all' ? mask.d : mask.k;
}

/** Parses manifest bytes from KV; anything else than a valid manifest is `MEERKAT_PROTOCOL`. */
export function parseRunManifest(bytes: Uint8Array): RunManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new MeerkatError('MEERKAT_PROTOCOL', 'The run manifest is not UTF-8 JSON.', { cause });
  }
  const parsed = runManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`,
    );
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The run manifest is invalid: ${issues.join('; ')}.`,
    );
  }
  return parsed.data as RunManifest;
}

/** The model a client brings: its layout fingerprint and parameter count d. */
export interface ClientModelLayout {
  readonly fingerprint: string;
  readonly size: number;
}

/**
 * Throws unless a client with this model can join the run: same protocol version
 * (`MEERKAT_PROTOCOL`), and a mask made for this model's layout, or every parameter of it for
 * `kind: 'all'` (`MEERKAT_MASK_MISMATCH`, naming both fingerprints and sizes).
 */
export function assertManifestFitsModel(manifest: RunManifest, layout: ClientModelLayout): void {
  if (manifest.protocolVersion !== PROTOCOL_VERSION) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `Run ${manifest.run.runId} speaks protocol version ${manifest.protocolVersion}; this client speaks ${PROTOCOL_VERSION}. Install the meerkat version the coordinator runs.`,
    );
  }
  const { mask } = manifest;
  const k = manifestMaskK(mask);
  if (mask.fingerprint !== layout.fingerprint || mask.d !== layout.size) {
    throw new MeerkatError(
      'MEERKAT_MASK_MISMATCH',
      `Run ${manifest.run.runId} trains a model with layout ${mask.fingerprint} (d = ${mask.d}), but this client's model has layout ${layout.fingerprint} (d = ${layout.size}). Join with the model the run was started with (--model).`,
    );
  }
  if (manifest.run.layoutFingerprint !== mask.fingerprint || manifest.run.k !== k) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The run manifest contradicts itself: run layout ${manifest.run.layoutFingerprint}/k = ${manifest.run.k}, mask ${mask.fingerprint}/k = ${k}.`,
    );
  }
}
