import type { ClientKind, RoundMetrics, RoundPhase, RunSummary } from './run-files.js';
import type { ClassPriorReferences } from './task/class-prior.js';

/** The run is set up: model loaded, mask ready, data partitioned. */
export interface SetupEvent {
  readonly type: 'setup';
  /** The backend of the clients' forward passes and the evaluation. */
  readonly backend: string;
  /** Why that backend (e.g. the fastest forward-capable one present, or as configured). */
  readonly backendReason: string;
  /**
   * Where gradient work (mask calibration, mask energy) ran and why, when not on `backend`
   * (which computes forward passes only); null when it ran on `backend` or was not needed.
   */
  readonly gradientBackend: string | null;
  /** Trainable values k and model parameters d. */
  readonly k: number;
  readonly d: number;
  /** The learning rate in use, and whether the config gave it or it is the method's default for k. */
  readonly lr: number;
  readonly lrSource: 'config' | 'default';
  /** Classification: the majority rate and class-prior loss on the evaluated examples; else null. */
  readonly references: ClassPriorReferences | null;
  readonly clients: readonly {
    readonly id: string;
    readonly kind: ClientKind;
    readonly numSamples: number;
  }[];
  /** Where the mask came from: a file, a fresh calibration, a baseline, or every parameter. */
  readonly maskSource: 'file' | 'calibrated' | 'random' | 'magnitude' | 'all';
  /**
   * Share of the task gradient's squared norm the mask holds, and that share ÷ k/d (DESIGN.md §6;
   * the task gradient is used only for this report, never to choose the mask; multi-token label
   * words are scored as `verbalizerLossTensor` does). Null for full-parameter ZO (the mask is
   * every parameter) or when no energy examples were asked for.
   */
  readonly maskEnergy: { readonly fraction: number; readonly ratioToRandom: number } | null;
  /** True when the run continues from RUN_DIR/checkpoint.bin. */
  readonly resumed: boolean;
  /** The round the run starts at (0, or the checkpointed round). */
  readonly startRound: number;
}

export interface RoundStartEvent {
  readonly type: 'round-start';
  /** 1-based, as in RoundMetrics. */
  readonly round: number;
  readonly phase: RoundPhase;
  readonly participants: readonly string[];
}

export interface ClientDoneEvent {
  readonly type: 'client-done';
  readonly round: number;
  readonly clientId: string;
  readonly steps: number;
  readonly trainLoss: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly forwardPasses: number;
  /** Mean |GradIP| over this round's steps, or null when there is no ḡ_pre. */
  readonly gradip: number | null;
}

export interface RoundEndEvent {
  readonly type: 'round-end';
  readonly metrics: RoundMetrics;
  /**
   * The round's replay log (fed-aggregate format v1): the dimension-free downlink. Applying the
   * logs of rounds 1…R in order to θ⁰ gives θ^R bit for bit. Null for first-order methods.
   */
  readonly log: Uint8Array | null;
}

/**
 * A round closed at its deadline without some sampled clients (`roundDeadlineSeconds`): θ is the
 * aggregation of the `answered` updates only; the stragglers catch up on their next announce.
 */
export interface StragglersEvent {
  readonly type: 'stragglers';
  readonly round: number;
  readonly stragglers: readonly string[];
  readonly answered: number;
  readonly quorum: number;
}

/** An update the coordinator did not aggregate: `late` = for a round that had already closed. */
export interface UpdateRejectedEvent {
  readonly type: 'update-rejected';
  /** The open round (1-based) when it arrived. */
  readonly round: number;
  readonly clientId: string;
  /** The round (1-based) the update was for. */
  readonly updateRound: number;
  readonly reason: 'late';
}

/** Meerkat-vp's detector verdict after the calibration phase. */
export interface DetectionEvent {
  readonly type: 'detection';
  readonly round: number;
  readonly clients: readonly {
    readonly clientId: string;
    readonly flagged: boolean;
    readonly truth: ClientKind;
    readonly rhoLater: number;
    readonly rhoQuiet: number;
    readonly reason: string;
  }[];
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface EvaluationEvent {
  readonly type: 'evaluation';
  /** 0 = the initial model. */
  readonly round: number;
  /** Held-out accuracy; null for a causal-lm task. */
  readonly accuracy: number | null;
  /** Mean held-out loss (classification: restricted to the label words; causal-lm: token NLL). */
  readonly loss: number;
  /** exp(mean token NLL) over the held-out tokens (causal-lm); null for classification. */
  readonly perplexity: number | null;
  readonly examples: number;
}

export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly round: number;
  readonly path: string;
  readonly bytes: number;
}

export interface DoneEvent {
  readonly type: 'done';
  readonly summary: RunSummary;
}

/** Everything `Meerkat.run()` yields, in order: setup, then per round round-start,
 *  client-done × participants (with a deadline: client-done × on-time clients, any
 *  update-rejected among them, [stragglers]), [detection], [evaluation], round-end, checkpoint;
 *  finally done. */
export type TrainerEvent =
  | SetupEvent
  | RoundStartEvent
  | ClientDoneEvent
  | StragglersEvent
  | UpdateRejectedEvent
  | RoundEndEvent
  | DetectionEvent
  | EvaluationEvent
  | CheckpointEvent
  | DoneEvent;
