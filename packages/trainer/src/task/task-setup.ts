import type { LmTokenizer } from '@meerkat/lm';
import type { CausalLmTaskConfig, TaskConfig } from '../config/parse-run-config.js';
import { loadTextFile, loadTextJsonl, type TextExample } from '../data/load-text.js';
import { loadSotu } from '../data/sotu.js';
import { loadExamples, splitTaskData, type TaskSplit } from '../data/task-data.js';
import { CausalLmTask } from './causal-lm-task.js';
import { ClassificationTask } from './classification-task.js';
import type { TrainingTask } from './training-task.js';

/**
 * The one pseudo-label of every causal-LM example: the seeded split and the label-free
 * partitioners (`iid`, `groups`) then treat text exactly as they treat labelled examples.
 */
export const TEXT_LABEL = 'text';

/** The configured task (`task.kind`) over the model's tokenizer. */
export function createTrainingTask(task: TaskConfig, tokenizer: LmTokenizer): TrainingTask {
  return task.kind === 'causal-lm'
    ? new CausalLmTask(tokenizer, task.seqLen)
    : new ClassificationTask(tokenizer, task.template, task.verbalizer, task.maxTokens);
}

/** A causal-LM task's text, cut into chunks of `chunkChars` (no split). */
export function loadTextExamples(task: CausalLmTaskConfig): TextExample[] {
  const { data, chunkChars } = task;
  switch (data.source) {
    case 'jsonl':
      return loadTextJsonl(data.path, chunkChars);
    case 'text':
      return loadTextFile(data.path, chunkChars);
    case 'sotu':
      return loadSotu({
        chunkChars,
        ...(data.presidents === undefined ? {} : { presidents: data.presidents }),
        ...(data.fromYear === undefined ? {} : { fromYear: data.fromYear }),
        ...(data.toYear === undefined ? {} : { toYear: data.toYear }),
      });
  }
}

/**
 * Loads the task's examples and makes the seeded train / validation / test split
 * (`splitTaskData`): classification examples by their verbalizer labels, causal-LM chunks all
 * with the label `TEXT_LABEL`.
 */
export function loadTaskSplit(
  task: TaskConfig,
  labels: readonly string[],
  seed: bigint,
): TaskSplit {
  const options = {
    seed,
    testExamples: task.testExamples,
    validationExamples: task.validationExamples,
    ...(task.trainExamples === undefined ? {} : { trainExamples: task.trainExamples }),
  };
  if (task.kind === 'classification')
    return splitTaskData(loadExamples(task.data), labels, options);
  const examples = loadTextExamples(task).map((e) => ({ ...e, label: TEXT_LABEL }));
  return splitTaskData(examples, [TEXT_LABEL], options);
}
