import { type LlamaModel, type LmTokenizer, nextTokenTargets } from '@meerkat/lm';
import {
  createLayout,
  encodeMask,
  MaskCalibrator,
  type ParameterLayout,
  type SelectionScope,
  type SparseMask,
} from '@meerkat/sparse-mask';
import type { RunConfig } from '../config/parse-run-config.js';
import { fullGradient, requireGradients } from '../model/parameter-gradient.js';
import { loadCorpusText, sampleCorpusSequences } from './corpus.js';

/** Options of `calibrateMask`. */
export interface CalibrateMaskOptions {
  readonly model: LlamaModel;
  readonly tokenizer: LmTokenizer;
  /** `builtin:moby-dick`, `builtin:sotu`, `builtin:NAME` or a text file path (never the task data; `loadCorpusText`). */
  readonly corpus: string;
  /** Fraction of parameters in the mask (k = round(density·d)). */
  readonly density: number;
  /** Gradient batches (each one backward pass of the causal-LM loss). */
  readonly batches: number;
  readonly batchSize: number;
  readonly seqLen: number;
  readonly scope?: SelectionScope;
  /** Seeds which corpus windows are used. */
  readonly seed: bigint;
  /** Called after each batch (progress). */
  readonly onBatch?: (done: number, total: number, loss: number) => void;
}

/** What `calibrateMask` returns. */
export interface CalibratedMask {
  /** k indices, gradMean = ḡ_pre (the signed mean pre-training gradient), scores = Fisher. */
  readonly mask: SparseMask;
  /** `encodeMask(mask)`: the sparse-mask binary format v1. */
  readonly bytes: Uint8Array;
  readonly layout: ParameterLayout;
  /** Mean causal-LM loss over the calibration batches. */
  readonly meanLoss: number;
}

/**
 * Mask calibration (DESIGN.md §2): over `batches` batches of general text, the causal-LM loss's
 * gradient on the backend (first order, once, on the server), accumulated by sparse-mask's
 * `MaskCalibrator` into the empirical Fisher diagonal F = mean_b g²; the mask is top-k(F) and
 * stores ḡ_pre = mean_b g at its indices, which Meerkat-vp's GradIP needs.
 */
export async function calibrateMask(options: CalibrateMaskOptions): Promise<CalibratedMask> {
  const { model, tokenizer, batches, batchSize, seqLen } = options;
  requireGradients(model, 'mask calibration');
  const layout = createLayout(model.specs);
  const sequences = sampleCorpusSequences(loadCorpusText(options.corpus), tokenizer, {
    count: batches * batchSize,
    seqLen,
    seed: options.seed,
  });
  const calibrator = new MaskCalibrator(layout);
  let lossSum = 0;
  const be = model.backend;
  for (let b = 0; b < batches; b++) {
    const ids = new Uint32Array(batchSize * seqLen);
    for (let r = 0; r < batchSize; r++) ids.set(sequences[b * batchSize + r]!, r * seqLen);
    const shape = [batchSize, seqLen] as const;
    const { rows, targets } = nextTokenTargets(ids, shape);
    const { value, gradients } = await fullGradient(model, () => {
      const logits = model.forward(ids, shape, { logits: 'all' });
      return be.scale(be.sum(be.crossEntropy(logits, rows, targets)), 1 / rows.length);
    });
    calibrator.addBatch(Object.fromEntries(gradients));
    lossSum += value;
    options.onBatch?.(b + 1, batches, value);
  }
  const mask = calibrator.select({
    size: { density: options.density },
    scope: options.scope ?? 'global',
    includeGradMean: true,
    includeScores: true,
  });
  return { mask, bytes: encodeMask(mask), layout, meanLoss: lossSum / batches };
}

/**
 * The calibration a run config asks for: `calibrateMask` with `mask.density`, `mask.calibration.*`
 * and the run seed. The trainer (a `calibrated` method without `mask.file`) and the experiment
 * runner's mask cache both calibrate through it, so a cached mask is the one the run would make.
 */
export function calibrateConfiguredMask(
  model: LlamaModel,
  tokenizer: LmTokenizer,
  mask: RunConfig['mask'],
  seed: bigint,
  onBatch?: CalibrateMaskOptions['onBatch'],
): Promise<CalibratedMask> {
  const c = mask.calibration;
  return calibrateMask({
    model,
    tokenizer,
    corpus: c.corpus,
    density: mask.density,
    batches: c.batches,
    batchSize: c.batchSize,
    seqLen: c.seqLen,
    scope: c.scope,
    seed,
    ...(onBatch === undefined ? {} : { onBatch }),
  });
}
