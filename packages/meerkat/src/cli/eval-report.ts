import { formatPercent } from '@meerkat/report';
import type { TaskEvaluation, VerbalizerResult } from '@meerkat/trainer';
import type { MeerkatIo } from './cli-io.js';

/** What every `meerkat eval` report starts with: what was scored, on what. */
export interface EvalRunInfo {
  /** theta.bin's path. */
  readonly theta: string;
  /** The model directory. */
  readonly model: string;
  /** The data scored, as named on the command line (or its default). */
  readonly data: string;
  /** Where the task came from: the run config's path, or a note that defaults were used. */
  readonly task: string;
  /** Examples scored. */
  readonly examples: number;
  /** Trained values (the mask's size). */
  readonly k: number;
}

/** An evaluation's report (printed with --json) and its one-line summary (printed without). */
export interface EvalOutcome {
  readonly report: EvalRunInfo & Readonly<Record<string, unknown>>;
  readonly line: string;
}

/** How many examples of one label were scored, and how many of them were predicted right. */
interface LabelTally {
  readonly label: string;
  n: number;
  hits: number;
}

/** The outcome of a causal-lm evaluation: next-token loss and perplexity. */
export function causalLmOutcome(info: EvalRunInfo, result: TaskEvaluation): EvalOutcome {
  return {
    report: { ...info, loss: result.loss, perplexity: result.perplexity },
    line: `perplexity ${result.perplexity?.toFixed(3)}, loss ${result.loss.toFixed(4)} (mean next-token NLL) on ${info.examples} chunks of ${info.data}`,
  };
}

/** The outcome of a classification evaluation: accuracy and loss, overall and per label. */
export function classificationOutcome(
  info: EvalRunInfo,
  labels: readonly string[],
  gold: Int32Array,
  result: VerbalizerResult,
): EvalOutcome {
  const { hits, perLabel } = tallyPredictions(labels, gold, result.predictions);
  const accuracy = hits / info.examples;
  const report = {
    ...info,
    accuracy,
    loss: result.loss,
    perLabel: Object.fromEntries(
      perLabel.map((t) => [t.label, { examples: t.n, accuracy: labelAccuracy(t) }]),
    ),
  };
  const byLabel = perLabel
    .map((t) => `${t.label} ${formatPercent(labelAccuracy(t))} of ${t.n}`)
    .join(', ');
  return {
    report,
    line: `accuracy ${formatPercent(accuracy)} (${hits}/${info.examples}), loss ${result.loss.toFixed(4)} on ${info.data}; per label: ${byLabel}`,
  };
}

/** Prints an evaluation: its report as JSON with `json`, else its one-line summary. */
export function printEvalOutcome(io: MeerkatIo, json: boolean, outcome: EvalOutcome): void {
  io.stdout.write(json ? `${JSON.stringify(outcome.report, null, 2)}\n` : `${outcome.line}\n`);
}

/** Counts the right predictions, overall and per gold label. */
function tallyPredictions(
  labels: readonly string[],
  gold: Int32Array,
  predictions: Uint32Array,
): { hits: number; perLabel: readonly LabelTally[] } {
  let hits = 0;
  const perLabel: LabelTally[] = labels.map((label) => ({ label, n: 0, hits: 0 }));
  for (let i = 0; i < gold.length; i++) {
    const entry = perLabel[gold[i] as number] as LabelTally;
    entry.n++;
    if (predictions[i] === gold[i]) {
      hits++;
      entry.hits++;
    }
  }
  return { hits, perLabel };
}

/** A label's accuracy (0 when none of its examples was scored). */
function labelAccuracy(t: LabelTally): number {
  return t.hits / Math.max(1, t.n);
}
