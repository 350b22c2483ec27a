import type { Detection } from './detector.js';
import { GradipError } from './errors.js';

/** Confusion table of a detection against ground truth (positive = extreme Non-IID). */
export interface ConfusionTable {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
}

export interface DetectionScore {
  /** TP / (TP + FP); NaN when nothing was flagged. */
  readonly precision: number;
  /** TP / (TP + FN); NaN when no client is truly positive. */
  readonly recall: number;
  /** 2PR / (P + R); NaN when precision or recall is NaN, 0 when both are 0. */
  readonly f1: number;
  readonly confusion: ConfusionTable;
}

/** Flags keyed by client id, as a map, a record, or the detector's output. */
export type FlagSource =
  | ReadonlyMap<string, boolean>
  | Readonly<Record<string, boolean>>
  | readonly Detection[];

function toMap(source: FlagSource): Map<string, boolean> {
  if (source instanceof Map) return new Map(source);
  if (Array.isArray(source)) {
    return new Map((source as readonly Detection[]).map((d) => [d.clientId, d.flagged]));
  }
  return new Map(Object.entries(source as Readonly<Record<string, boolean>>));
}

/**
 * Scores flags against truth. Every flagged client must appear in `truth` and vice versa
 * (`GRADIP_UNKNOWN_CLIENT` otherwise), so a typo cannot silently inflate a score.
 */
export function scoreDetection(flags: FlagSource, truth: FlagSource): DetectionScore {
  const predicted = toMap(flags);
  const actual = toMap(truth);
  for (const id of predicted.keys()) {
    if (!actual.has(id)) {
      throw new GradipError(
        'GRADIP_UNKNOWN_CLIENT',
        `client '${id}' has a flag but no truth label`,
      );
    }
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const [id, isPositive] of actual) {
    const flagged = predicted.get(id);
    if (flagged === undefined) {
      throw new GradipError(
        'GRADIP_UNKNOWN_CLIENT',
        `client '${id}' has a truth label but no flag`,
      );
    }
    if (flagged && isPositive) tp++;
    else if (flagged) fp++;
    else if (isPositive) fn++;
    else tn++;
  }
  const precision = tp + fp === 0 ? Number.NaN : tp / (tp + fp);
  const recall = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
  const f1 =
    Number.isNaN(precision) || Number.isNaN(recall)
      ? Number.NaN
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
  return {
    precision,
    recall,
    f1,
    confusion: { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn },
  };
}
