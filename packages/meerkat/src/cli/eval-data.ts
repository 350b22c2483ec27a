import { CliUsageError } from '@meerkat/cli-kit';
import {
  type CausalLmTaskConfig,
  type ClassificationTask,
  type LabeledExample,
  loadCsv,
  loadExamples,
  loadJsonl,
  loadTaskSplit,
  loadTextFile,
  loadTextJsonl,
  MeerkatError,
  splitTaskData,
  type TextExample,
} from '@meerkat/trainer';
import type { MeerkatIo } from './cli-io.js';
import { resolvePath } from './paths.js';

/** The built-in labelled data `eval` scores a classification run on by default. */
export const SPAM_ASSASSIN_DATA = 'builtin:spam-assassin';

/** Labelled examples and their label ids (indices into the task's labels). */
export interface LabeledEvalData {
  readonly examples: readonly LabeledExample[];
  readonly labels: Int32Array;
}

/**
 * The text `eval` scores a causal-lm run on: the run's held-out test split when no --data is
 * given, else a JSONL file with text or a text file, cut into the run's chunks.
 */
export function loadCausalLmEvalData(
  io: MeerkatIo,
  dataFlag: string | undefined,
  task: CausalLmTaskConfig,
  seed: number,
): readonly (LabeledExample | TextExample)[] {
  if (dataFlag === undefined) return loadTaskSplit(task, [], BigInt(seed)).test;
  return resolvePath(io, dataFlag).endsWith('.jsonl')
    ? loadTextJsonl(resolvePath(io, dataFlag), task.chunkChars)
    : loadTextFile(resolvePath(io, dataFlag), task.chunkChars);
}

/**
 * The labelled data `eval` scores a classification run on: the built-in SpamAssassin data's
 * held-out test split (split as the run split it), or a .jsonl / .csv file whose labels must all
 * be in the verbalizer.
 */
export function loadClassificationEvalData(
  io: MeerkatIo,
  dataArg: string,
  task: ClassificationTask,
  split: { readonly seed: number; readonly testExamples: number },
): LabeledEvalData {
  if (dataArg === SPAM_ASSASSIN_DATA) {
    const { test, testLabels } = splitTaskData(
      loadExamples({ source: 'spam-assassin' }),
      task.labels,
      { seed: BigInt(split.seed), testExamples: split.testExamples },
    );
    return { examples: test, labels: testLabels };
  }
  if (dataArg.startsWith('builtin:')) {
    throw new CliUsageError(
      'CLI_INVALID_VALUE',
      `--data ${dataArg} is not a built-in data set; use ${SPAM_ASSASSIN_DATA} or a .jsonl/.csv file`,
    );
  }
  return loadLabeledFile(resolvePath(io, dataArg), dataArg, task);
}

/** A .jsonl or .csv file of labelled examples, its labels mapped to the task's label ids. */
function loadLabeledFile(path: string, dataArg: string, task: ClassificationTask): LabeledEvalData {
  const all = path.endsWith('.csv')
    ? loadCsv(path)
    : path.endsWith('.jsonl')
      ? loadJsonl(path)
      : null;
  if (all === null) {
    throw new CliUsageError(
      'CLI_INVALID_VALUE',
      `--data ${dataArg} must end in .jsonl or .csv (or be ${SPAM_ASSASSIN_DATA})`,
    );
  }
  const labels = Int32Array.from(all, (e) => {
    const id = task.labels.indexOf(e.label);
    if (id < 0) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${e.source ?? path}: label ${JSON.stringify(e.label)} is not in the verbalizer (allowed: ${task.labels.map((l) => JSON.stringify(l)).join(' | ')})`,
      );
    }
    return id;
  });
  return { examples: all, labels };
}
