import { PhiloxUniformStream, shuffleInPlace } from '@meerkat/seeded';
import type { ClassificationTaskConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import type { LabeledExample } from './labeled-example.js';
import { loadCsv } from './load-csv.js';
import { loadJsonl } from './load-jsonl.js';
import { loadSpamAssassin } from './spam-assassin.js';

/** Loads the examples of a classification task's configured source (no split). */
export function loadExamples(data: ClassificationTaskConfig['data']): readonly LabeledExample[] {
  switch (data.source) {
    case 'spam-assassin':
      return loadSpamAssassin();
    case 'jsonl':
      return loadJsonl(data.path);
    case 'csv':
      return loadCsv(data.path, data.delimiter);
  }
}

/** A task's examples with integer labels (the verbalizer's key order). */
export interface TaskSplit {
  readonly labels: readonly string[];
  readonly train: readonly LabeledExample[];
  readonly trainLabels: Int32Array;
  readonly test: readonly LabeledExample[];
  readonly testLabels: Int32Array;
  /** Held out from the training data for tuning (empty unless `validationExamples` > 0). */
  readonly validation: readonly LabeledExample[];
  readonly validationLabels: Int32Array;
}

/** Domain of the split's Philox stream (distinct from fed-aggregate's domains). */
const SPLIT_STREAM_DOMAIN = 0x53504c54; // "SPLT"

/**
 * Checks every label against the verbalizer and makes the seeded train/test split: a Philox
 * Fisher–Yates shuffle keyed by the run seed; the first `testExamples` are the test set, the next
 * `validationExamples` (default none) a validation set carved from the training data for choosing
 * hyperparameters without looking at the test set, the next `trainExamples` (default: all the
 * rest) the training set.
 */
export function splitTaskData(
  examples: readonly LabeledExample[],
  labels: readonly string[],
  options: {
    readonly seed: bigint;
    readonly testExamples: number;
    readonly validationExamples?: number;
    readonly trainExamples?: number;
  },
): TaskSplit {
  const labelIds = new Map(labels.map((l, i) => [l, i]));
  const ids = new Int32Array(examples.length);
  examples.forEach((e, i) => {
    const id = labelIds.get(e.label);
    if (id === undefined) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${e.source ?? `example ${i}`}: label ${JSON.stringify(e.label)} is not in the verbalizer (allowed: ${labels.map((l) => JSON.stringify(l)).join(' | ')})`,
      );
    }
    ids[i] = id;
  });
  const validationExamples = options.validationExamples ?? 0;
  const heldOut = options.testExamples + validationExamples;
  if (examples.length <= heldOut) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${examples.length} examples leave nothing to train on after holding out task.testExamples = ${options.testExamples}${validationExamples > 0 ? ` and task.validationExamples = ${validationExamples}` : ''}`,
    );
  }
  const order = Array.from(examples.keys());
  shuffleInPlace(order, new PhiloxUniformStream(options.seed, SPLIT_STREAM_DOMAIN));
  const test = order.slice(0, options.testExamples);
  const validation = order.slice(options.testExamples, heldOut);
  const trainEnd =
    options.trainExamples === undefined
      ? order.length
      : Math.min(order.length, heldOut + options.trainExamples);
  const train = order.slice(heldOut, trainEnd);
  return {
    labels,
    train: train.map((i) => examples[i]!),
    trainLabels: Int32Array.from(train, (i) => ids[i]!),
    test: test.map((i) => examples[i]!),
    testLabels: Int32Array.from(test, (i) => ids[i]!),
    validation: validation.map((i) => examples[i]!),
    validationLabels: Int32Array.from(validation, (i) => ids[i]!),
  };
}
