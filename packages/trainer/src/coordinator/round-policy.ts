import type { Detection } from '@meerkat/gradip';
import type { UpdateMessage } from '../protocol/messages.js';
import type { RoundPhase } from '../run-files.js';
import type { TrainerState } from './trainer-checkpoint.js';

/** The detector's verdicts when a round ends Meerkat-vp's calibration phase. */
export interface PolicyDetection {
  readonly detections: readonly Detection[];
  /** Each client's per-step GradIP over the calibration path (what the detector read). */
  readonly series: ReadonlyMap<string, Float64Array>;
}

/** The part of the trainer checkpoint a policy owns (the format is `TrainerState`'s). */
export type PolicyState = Pick<TrainerState, 'policy' | 'calibrationSeries' | 'flagged'>;

/**
 * A method's per-round decisions, asked by the coordinator's loop (Flower's Strategy): how many
 * local steps each client gets (configure_fit), what an accepted update means beyond its
 * aggregation (GradIP tracking), and what happens when a round closes (detection, early stopping).
 * The loop itself (joins, announces, deadlines, validation, aggregation, evaluation) is the same
 * for every method; a method is a policy plus a preset (`METHOD_PRESETS`).
 */
export interface RoundPolicy {
  /** The phase of the next round: `calibration` while Meerkat-vp calibrates its detector. */
  readonly phase: RoundPhase;
  /** Local steps `clientId` takes in the next round (0: it sits the round out). */
  localSteps(clientId: string): number;
  /** An accepted update of the open round: mean |GradIP| of its steps, or null when none is tracked. */
  onUpdate(update: UpdateMessage, seeds: readonly bigint[]): number | null;
  /** The round closed: the detector's verdicts when this round ended the calibration, else null. */
  onRoundClosed(): PolicyDetection | null;
  /** The clients the policy has flagged, sorted. */
  readonly flagged: readonly string[];
  /** What a checkpoint keeps of the policy. */
  state(): PolicyState;
}
