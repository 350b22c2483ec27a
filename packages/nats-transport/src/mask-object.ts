import { createHash } from 'node:crypto';

import { createSparseMask, decodeMask, encodeMask, type SparseMask } from '@meerkat/sparse-mask';
import { MeerkatError } from '@meerkat/trainer';
import type { ObjectStore } from '@nats-io/obj';
import type { ClientModelLayout, MaskReference } from './run-manifest.js';

/** Chunk size of the mask object: well under the server's default 1 MiB max payload. */
export const MASK_CHUNK_BYTES = 128 * 1024;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores the mask (sparse-mask binary format) in the object store in chunks; returns its reference. */
export async function putMaskObject(
  store: ObjectStore,
  mask: SparseMask,
  object = 'mask.bin',
): Promise<MaskReference> {
  const bytes = encodeMask(mask);
  await store.putBlob({ name: object, options: { max_chunk_size: MASK_CHUNK_BYTES } }, bytes);
  return {
    object,
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
    fingerprint: mask.fingerprint,
    d: mask.d,
    k: mask.indices.length,
  };
}

/**
 * Reads the mask the manifest names and checks it: size and sha256 as the manifest says
 * (`MEERKAT_PROTOCOL` otherwise: a corrupt or substituted object), then decodes it, which
 * checks the layout fingerprint and d against the reference.
 */
export async function getMaskObject(store: ObjectStore, ref: MaskReference): Promise<SparseMask> {
  const bytes = await store.getBlob(ref.object);
  if (bytes === null) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The run's object store has no mask object ${JSON.stringify(ref.object)}; the coordinator has not published it (or it was deleted).`,
    );
  }
  const digest = sha256Hex(bytes);
  if (bytes.length !== ref.bytes || digest !== ref.sha256) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The mask object ${JSON.stringify(ref.object)} is corrupt: ${bytes.length} bytes with sha256 ${digest}, but the manifest says ${ref.bytes} bytes with sha256 ${ref.sha256}.`,
    );
  }
  const mask = decodeMask(bytes);
  if (mask.fingerprint !== ref.fingerprint || mask.d !== ref.d || mask.indices.length !== ref.k) {
    throw new MeerkatError(
      'MEERKAT_PROTOCOL',
      `The mask object is for layout ${mask.fingerprint} (d = ${mask.d}, k = ${mask.indices.length}), not the manifest's ${ref.fingerprint} (d = ${ref.d}, k = ${ref.k}).`,
    );
  }
  return mask;
}

/**
 * The mask of a `kind: 'all'` manifest (full-parameter ZO): every index 0 … d − 1 of the client's
 * own layout, the same identity mask the coordinator trains. Call it after
 * `assertManifestFitsModel` has checked the layout's fingerprint and d against the manifest.
 */
export function allParametersMask(layout: ClientModelLayout): SparseMask {
  const indices = new Uint32Array(layout.size);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  return createSparseMask({ fingerprint: layout.fingerprint, d: layout.size, indices });
}
