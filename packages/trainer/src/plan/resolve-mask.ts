import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LlamaModel, LmTokenizer } from '@meerkat/lm';
import {
  createSparseMask,
  decodeMask,
  encodeMask,
  magnitudeMask,
  type ParameterLayout,
  randomMask,
  type SparseMask,
  SparseMaskError,
} from '@meerkat/sparse-mask';
import { calibrateConfiguredMask } from '../calibration/calibrate-mask.js';
import type { RunConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import type { SetupEvent } from '../events.js';
import { METHOD_PRESETS } from '../methods.js';
import type { RunDirectory } from '../run-dir.js';

/** Where a run's mask comes from, and what is needed to make one. */
export interface MaskSources {
  readonly config: RunConfig;
  readonly model: LlamaModel;
  /** The model on a gradient-capable backend (loaded on first use), for calibration. */
  readonly modelWithGradients: () => Promise<LlamaModel>;
  readonly tokenizer: LmTokenizer;
  readonly layout: ParameterLayout;
  readonly runDir: RunDirectory;
}

/**
 * The method's mask: every parameter (full ZO), `mask.file`, RUN_DIR/mask.bin from an earlier
 * session, a calibration, or a baseline (random, magnitude). A mask made here is saved as
 * RUN_DIR/mask.bin, so a resumed run trains on the same one.
 */
export async function resolveMask(
  s: MaskSources,
): Promise<{ mask: SparseMask; source: SetupEvent['maskSource'] }> {
  const { config, layout } = s;
  const seed = BigInt(config.seed);
  const kind = METHOD_PRESETS[config.method].mask;
  const density = { density: config.mask.density };
  if (kind === 'all') {
    return {
      mask: createSparseMask({
        fingerprint: layout.fingerprint,
        d: layout.size,
        indices: Uint32Array.from({ length: layout.size }, (_, i) => i),
      }),
      source: 'all',
    };
  }
  const needGradMean = config.method === 'meerkat-vp';
  const saved = s.runDir.path('mask');
  if (kind === 'calibrated' && config.mask.file !== undefined) {
    return { mask: readMaskFile(config.mask.file, layout, needGradMean), source: 'file' };
  }
  if (existsSync(saved)) return { mask: readMaskFile(saved, layout, needGradMean), source: kind };
  let mask: SparseMask;
  if (kind === 'random') mask = randomMask(layout, density, seed);
  else if (kind === 'magnitude') {
    const weights = new Float32Array(layout.size);
    let offset = 0;
    for (const spec of s.model.specs) {
      const w = await s.model.backend.download(s.model.weight(spec.name));
      weights.set(w, offset);
      offset += w.length;
    }
    mask = magnitudeMask(layout, weights, density);
  } else {
    const model = await s.modelWithGradients();
    mask = (await calibrateConfiguredMask(model, s.tokenizer, config.mask, seed)).mask;
  }
  writeFileSync(saved, encodeMask(mask));
  return { mask, source: kind };
}

/** Decodes a mask file for `layout`; another model's mask is `MEERKAT_MASK_MISMATCH`. */
export function readMaskFile(
  path: string,
  layout: ParameterLayout,
  needGradMean: boolean,
): SparseMask {
  if (!existsSync(path))
    throw new MeerkatError('MEERKAT_FILE_NOT_FOUND', `mask file ${path} does not exist`);
  let mask: SparseMask;
  try {
    mask = decodeMask(new Uint8Array(readFileSync(path)), layout);
  } catch (cause) {
    if (cause instanceof SparseMaskError && cause.code === 'MASK_LAYOUT_MISMATCH') {
      throw new MeerkatError(
        'MEERKAT_MASK_MISMATCH',
        `mask file ${path} belongs to another model: ${cause.message}`,
        { cause },
      );
    }
    throw cause;
  }
  if (needGradMean && mask.gradMean === undefined) {
    throw new MeerkatError(
      'MEERKAT_MASK_MISMATCH',
      `mask file ${path} has no gradMean (ḡ_pre), which meerkat-vp's GradIP needs: calibrate it with calibrateMask`,
    );
  }
  return mask;
}
