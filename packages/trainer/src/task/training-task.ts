import type { LlamaModel } from '@meerkat/lm';
import type { Tensor } from '@meerkat/tensor';
import type { LabeledExample } from '../data/labeled-example.js';

/** The kinds of task a run trains (`task.kind` of the run config). */
export type TaskKind = 'classification' | 'causal-lm';

/** The held-out metrics of θ on a task's test (or validation) examples. */
export interface TaskEvaluation {
  /**
   * Mean loss in nats: classification — the cross-entropy restricted to the label words, per
   * example; causal-lm — the next-token NLL per real (non-pad) target token.
   */
  readonly loss: number;
  /** Share of examples whose best-scored label is the gold one; null for causal-lm. */
  readonly accuracy: number | null;
  /** exp(mean token NLL) over every held-out target token; null for classification. */
  readonly perplexity: number | null;
  /** Examples scored. */
  readonly examples: number;
}

/**
 * What the trainer needs from a task, whatever its kind: the loss of a batch of examples as one
 * scalar (all a zeroth-order step needs), the same loss as a backend tensor (first-order work:
 * fedavg-sgd, the mask-energy report), and held-out metrics. Examples carry a label id each;
 * a causal-LM task ignores them (its examples all have the one pseudo-label 0).
 */
export interface TrainingTask {
  readonly kind: TaskKind;
  /** Label names in label-id order (classification); empty for causal-lm. */
  readonly labels: readonly string[];
  /** `batchLossTensor` computes exactly `batchLoss` (classification: single-token label words). */
  readonly differentiable: boolean;
  /** Mean loss of one batch (one or more forward passes). */
  batchLoss(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
  ): Promise<number>;
  /** The same loss as a scalar backend tensor; call inside `backend.valueAndGradients`. */
  batchLossTensor(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
  ): Tensor;
  /** Loss and metrics of held-out examples, `batchSize` examples per forward pass. */
  evaluate(
    model: LlamaModel,
    examples: readonly LabeledExample[],
    labels: ArrayLike<number>,
    batchSize: number,
  ): Promise<TaskEvaluation>;
}
