import type { ClassPriorReferences } from './task/class-prior.js';
/**
 * The files a training run writes into its run directory, and their record types. The trainer
 * writes them; the CLI, `meerkat report` and the experiment runner read them. Every field is
 * plain JSON (no typed arrays), one `RoundMetrics` object per line of `metrics.jsonl`.
 *
 *   RUN_DIR/metrics.jsonl   one RoundMetrics per round, appended as rounds close
 *   RUN_DIR/summary.json    RunSummary, written when the run finishes
 *   RUN_DIR/config.json     the resolved config the run used
 *   RUN_DIR/theta.bin       the trained values of the masked parameters (trainer-defined format)
 *   RUN_DIR/gradip.json     GradipSteps: Meerkat-vp's per-step GradIP of every client's calibration
 *                           path, with the detector's windows and features (written when it runs)
 *   RUN_DIR/checkpoint.bin  the resumable state (trainer-defined format)
 */

export const RUN_FILES = {
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  config: 'config.json',
  theta: 'theta.bin',
  checkpoint: 'checkpoint.bin',
  gradip: 'gradip.json',
} as const;

export type MethodName =
  | 'meerkat'
  | 'meerkat-vp'
  | 'full-zo'
  | 'random-mask'
  | 'magnitude-mask'
  | 'fedavg-sgd';

/** A round of Meerkat-vp's GradIP calibration phase, or an ordinary training round. */
export type RoundPhase = 'calibration' | 'training';

/** How a client's data was partitioned: `extreme` = single-label (extreme Non-IID). */
export type ClientKind = 'extreme' | 'normal';

export interface RoundMetrics {
  /** 1-based round number (θ after this round has been aggregated). */
  readonly round: number;
  readonly method: MethodName;
  /** Meerkat-vp's GradIP calibration round(s) are `calibration`; all others `training`. */
  readonly phase: RoundPhase;
  /** Test accuracy after the round, or null on rounds that were not evaluated (and for causal-lm). */
  readonly accuracy: number | null;
  /** Mean test loss after the round, or null on rounds that were not evaluated. */
  readonly loss: number | null;
  /**
   * Held-out perplexity exp(mean token NLL) after the round, or null on rounds that were not
   * evaluated. Written by causal-lm runs only (absent for classification).
   */
  readonly perplexity?: number | null;
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
  /**
   * How the round's participants caught up to θ before their steps: already there (`none`), by
   * replaying round logs, or by installing θ; `bytes`: what they fetched from a shared store for
   * it (NATS v2: round logs on the broadcast stream, θ snapshots; 0 when it travelled inline, in
   * the announce, and is counted in bytesDownPerClient). The final finish's catch-ups count in
   * the last round.
   */
  readonly catchUp?: {
    readonly none: number;
    readonly logs: number;
    readonly theta: number;
    readonly bytes: number;
  };
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
  /** Held-out loss of the initial model (round 0); absent in runs written before it existed. */
  readonly initialLoss?: number | null;
  /**
   * Classification: what answering without reading the input scores on the same evaluated
   * examples (the training split's majority label, and its class prior); absent otherwise.
   */
  readonly references?: ClassPriorReferences;
  /**
   * Held-out perplexity of the initial model (round 0) and after the last evaluation: causal-lm
   * runs only (absent for classification).
   */
  readonly initialPerplexity?: number | null;
  readonly finalPerplexity?: number | null;
  readonly totalBytesUpPerClient: number;
  readonly totalBytesDownPerClient: number;
  readonly totalForwardPasses: number;
  readonly trainableParameters: number;
  /** The learning rate used (configured, or the method's default for k); absent in older runs. */
  readonly lr?: number;
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

/** A window of a calibration path: steps `start` … `end − 1` (0-based, as `resolveWindow` gives). */
export interface StepWindow {
  readonly start: number;
  readonly end: number;
}

/** One client's calibration path in `gradip.json`. */
export interface ClientGradipSteps {
  readonly clientId: string;
  readonly kind: ClientKind;
  /**
   * GradIP of every local step of the client's calibration path, in order (index t = step t + 1):
   * ⟨ḡ_pre, update direction of the step⟩ (DESIGN.md §2), the client's calibration rounds one
   * after another.
   */
  readonly gradip: readonly number[];
  /** The detector's initial window of this path. */
  readonly initialWindow: StepWindow;
  /** The detector's later window of this path. */
  readonly laterWindow: StepWindow;
  /** S_init = mean |GradIP| over the initial window. */
  readonly initialScale: number;
  /** S_later = mean |GradIP| over the later window. */
  readonly laterScale: number;
  /** ρ_later = S_init / S_later; null when S_later is exactly 0 (ρ_later = +∞). */
  readonly rhoLater: number | null;
  /** The quiet threshold σ = sigmaRel · S_init. */
  readonly sigma: number;
  /** ρ_quiet: the fraction of the later window's steps with |GradIP| < σ. */
  readonly rhoQuiet: number;
  /** The detector's verdict: judged extreme Non-IID. */
  readonly flagged: boolean;
  /** Why, e.g. `flagged: ρ_later 36.3 > 8 and ρ_quiet 0.95 > 0.7`. */
  readonly reason: string;
}

/**
 * RUN_DIR/gradip.json: Meerkat-vp's calibration phase step by step, written once, when the
 * detector runs after the last calibration round (plain JSON, one object).
 */
export interface GradipSteps {
  readonly version: 1;
  /** The round (1-based) after which the detector ran: the last calibration round. */
  readonly round: number;
  /** R_cal and T_cal: a client in every calibration round has R_cal × T_cal steps. */
  readonly calibrationRounds: number;
  readonly calibrationSteps: number;
  /** ZO directions per step (a step's GradIP is the mean over its directions). */
  readonly directions: number;
  /** The detector's settings (`vp.detector` of the config). */
  readonly detector: {
    readonly initialSteps: number;
    readonly laterSteps: number;
    readonly sigmaRel: number;
    readonly tauLater: number;
    readonly tauQuiet: number;
    readonly combine: 'and' | 'or';
  };
  /** Every client that ran calibration steps, in client order. */
  readonly clients: readonly ClientGradipSteps[];
}
