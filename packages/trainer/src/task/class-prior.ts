/**
 * What a classifier scores without reading its input, on the evaluated examples: always
 * answering the training data's most frequent label (the majority rate), and always answering the
 * training data's label frequencies (the class-prior cross-entropy, in nats). A fine-tuned model
 * is judged against these: zeroth-order training typically learns the prior first.
 */
export interface ClassPriorReferences {
  /** The training split's most frequent label. */
  readonly majorityLabel: string;
  /** Share of the evaluated examples that carry `majorityLabel`. */
  readonly majorityAccuracy: number;
  /** Mean over the evaluated examples of −ln p_train(label): the loss of predicting the prior. */
  readonly priorLoss: number;
}

/**
 * The references of a labelled task: `trainLabels` give the prior (add-one smoothed, so a label
 * absent from training costs a finite loss), `evaluatedLabels` are the examples the run scores.
 */
export function classPriorReferences(
  labels: readonly string[],
  trainLabels: ArrayLike<number>,
  evaluatedLabels: ArrayLike<number>,
): ClassPriorReferences {
  const counts = new Float64Array(labels.length);
  for (let i = 0; i < trainLabels.length; i++) counts[trainLabels[i]!]!++;
  let majority = 0;
  for (let l = 1; l < labels.length; l++) if (counts[l]! > counts[majority]!) majority = l;
  const total = trainLabels.length + labels.length;
  let hits = 0;
  let loss = 0;
  for (let i = 0; i < evaluatedLabels.length; i++) {
    const l = evaluatedLabels[i]!;
    if (l === majority) hits++;
    loss -= Math.log((counts[l]! + 1) / total);
  }
  const n = Math.max(1, evaluatedLabels.length);
  return { majorityLabel: labels[majority]!, majorityAccuracy: hits / n, priorLoss: loss / n };
}
