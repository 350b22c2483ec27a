/**
 * The files a training run writes into its run directory, and their record types. The trainer
 * writes them; the CLI, `meerkat report` and the experiment runner read them. Every field is
 * plain JSON (no typed arrays), one `RoundMetrics` object per line of `metrics.jsonl`.
 *
 *   RUN_DIR/metrics.jsonl   one RoundMetrics per round, appended as rounds close
 *   RUN_DIR/summary.json    RunSummary, written when the run finishes
 *   RUN_DIR/config.json     the resolved config the run used
 *   RUN_DIR/theta.bin       the trained values of the masked parameters (trainer-defined format)
 *   RUN_DIR/checkpoint.bin  the resumable state (trainer-defined format)
 */

export const RUN_FILES = {
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  config: 'config.json',
  theta: 'theta.bin',
  checkpoint: 'checkpoint.bin',
} as const;

export type MethodName =
  | 'meerkat'
  | 'meerkat-vp'
  | 'full-zo'
  | 'random-mask'
  | 'magnitude-mask'
  | 'fedavg-sgd';

/** How a client's data was partitioned: `extreme` = single-label (extreme Non-IID). */
export type ClientKind = 'extreme' | 'normal';

export interface RoundMetrics {
  /** 1-based round number (θ after this round has been aggregated). */
  readonly round: number;
  readonly method: MethodName;
  /** Meerkat-vp's GradIP calibration round(s) are `calibration`; all others `training`. */
  readonly phase: 'calibration' | 'training';
  /** Test accuracy after the round, or null on rounds that were not evaluated. */
  readonly accuracy: number | null;
  /** Mean test loss after the round, or null on rounds that were not evaluated. */
  readonly loss: number | null;
  /** Mean training loss the participating clients reported, or null. */
  readonly trainLoss: number | null;
  /** Mean over this round's participants of the bytes each uploaded. */
  readonly bytesUpPerClient: number;
  /** Mean over this round's participants of the bytes each downloaded. */
  readonly bytesDownPerClient: number;
  /** Running total since round 1 of bytesUpPerClient + bytesDownPerClient. */
  readonly cumulativeBytesPerClient: number;
  /** Forward passes all clients ran this round (ZO: 2 per direction per step). */
  readonly forwardPasses: number;
  /** GradIP of each participating client this round, by client id ({} when not computed). */
  readonly gradip: Readonly<Record<string, number>>;
  /** Client ids flagged as extreme Non-IID so far (cumulative; [] for methods without detection). */
  readonly flagged: readonly string[];
  readonly participants: readonly string[];
  /**
   * Sampled clients whose update missed the round's deadline (not aggregated; their late update
   * is rejected). Present only when the round closed without every participant.
   */
  readonly stragglers?: readonly string[];
  /** Wall-clock seconds the round took. */
  readonly seconds: number;
}

export interface ClientSummary {
  readonly id: string;
  readonly kind: ClientKind;
  readonly numSamples: number;
  /** Label counts of the client's training shard, by label name. */
  readonly labels: Readonly<Record<string, number>>;
  readonly flagged: boolean;
}

export interface DetectionSummary {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  /** null when nothing was flagged. */
  readonly precision: number | null;
  /** null when there are no extreme clients. */
  readonly recall: number | null;
}

export interface RunSummary {
  /** A human-readable run name (config `name`, or the run directory's basename). */
  readonly name: string;
  readonly method: MethodName;
  readonly seed: number;
  readonly rounds: number;
  readonly localSteps: number;
  readonly finalAccuracy: number | null;
  readonly finalLoss: number | null;
  /** Accuracy of the initial model (round 0) on the same test set. */
  readonly initialAccuracy: number | null;
  readonly totalBytesUpPerClient: number;
  readonly totalBytesDownPerClient: number;
  readonly totalForwardPasses: number;
  readonly trainableParameters: number;
  readonly clients: readonly ClientSummary[];
  /** Meerkat-vp's detector against the partition's truth; absent for other methods. */
  readonly detection?: DetectionSummary;
  readonly seconds: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /**
   * Peak resident memory of the process that ran the job, in bytes (`process.resourceUsage()`'s
   * maxRSS): in a simulation that is the model, every simulated client and the coordinator.
   */
  readonly peakRssBytes?: number;
}
