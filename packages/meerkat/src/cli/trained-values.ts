import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliUsageError } from '@meerkat/cli-kit';
import { type LlamaModel, TrainableView } from '@meerkat/lm';
import { createSparseMask, type ParameterLayout, type SparseMask } from '@meerkat/sparse-mask';
import { decodeThetaFile, MeerkatError, readMaskFile } from '@meerkat/trainer';

/** A run's trained values (RUN_DIR/theta.bin) and the mask whose indices they belong at. */
export interface TrainedValues {
  readonly theta: Float32Array;
  readonly mask: SparseMask;
}

/** Where the mask of a theta.bin may come from, most specific first. */
export interface MaskSources {
  /** --mask FILE, resolved. */
  readonly maskPath: string | undefined;
  /** The run config's mask.file. */
  readonly configMaskFile: string | undefined;
}

/**
 * Reads theta.bin, checks it was trained on `layout`, and finds its mask: --mask, else the
 * mask.bin beside theta.bin, else the config's mask.file, else (full-zo) every parameter.
 */
export async function readTrainedValues(
  thetaPath: string,
  layout: ParameterLayout,
  sources: MaskSources,
): Promise<TrainedValues> {
  const { theta, layoutFingerprint } = decodeThetaFile(new Uint8Array(await readFile(thetaPath)));
  if (layoutFingerprint !== layout.fingerprint) {
    throw new MeerkatError(
      'MEERKAT_MASK_MISMATCH',
      `${thetaPath} was trained on another model (layout ${layoutFingerprint}, this model ${layout.fingerprint})`,
    );
  }
  const mask = findMask(thetaPath, theta, layout, sources);
  if (mask.indices.length !== theta.length) {
    throw new MeerkatError(
      'MEERKAT_MASK_MISMATCH',
      `${thetaPath} holds ${theta.length} values but the mask has k = ${mask.indices.length}: use the mask the run trained`,
    );
  }
  return { theta, mask };
}

/** The mask theta.bin's values belong at (see `readTrainedValues` for the order). */
function findMask(
  thetaPath: string,
  theta: Float32Array,
  layout: ParameterLayout,
  { maskPath, configMaskFile }: MaskSources,
): SparseMask {
  const savedMask = join(dirname(thetaPath), 'mask.bin');
  if (maskPath !== undefined) return readMaskFile(maskPath, layout, false);
  if (existsSync(savedMask)) return readMaskFile(savedMask, layout, false);
  if (configMaskFile !== undefined) return readMaskFile(configMaskFile, layout, false);
  if (theta.length === layout.size) {
    return createSparseMask({
      fingerprint: layout.fingerprint,
      d: layout.size,
      indices: Uint32Array.from({ length: layout.size }, (_, i) => i),
    });
  }
  throw new CliUsageError(
    'CLI_MISSING_FLAG',
    `eval needs --mask FILE: no mask.bin next to ${thetaPath}`,
  );
}

/** Puts the trained values into the model at the mask's indices. */
export async function applyTrainedValues(
  model: LlamaModel,
  { theta, mask }: TrainedValues,
): Promise<void> {
  const view = await TrainableView.create(model, mask.indices);
  view.write(theta);
}
