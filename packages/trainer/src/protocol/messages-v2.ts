import type { RunDescriptor } from './messages.js';

/**
 * The round protocol, version 2: the same rounds as v1 (see messages.ts), binary end to end.
 * What changed from v1:
 *   - no JSON header and no client id in the frame: the id is the subject the frame travels on,
 *     and decoders take it as a parameter (it is set on the decoded message);
 *   - `numSamples` is sent once, in `join`, not with every update;
 *   - ZO scalars are float32 (v1: float64). The coordinator aggregates the float32 values it
 *     received, so every replica replays exactly the same numbers;
 *   - `announce` carries no catch-up payload: round logs, θ and the client list travel as their
 *     own broadcast frames (round-log-v2.ts, theta-frame-v2.ts, roster-v2.ts), once per round for
 *     every client instead of once per client.
 */

/** Loss statistics of an update; `first` and `last` only with `mean`. */
export interface LossStatsV2 {
  readonly mean: number;
  readonly first?: number;
  readonly last?: number;
}

/** client → coordinator: "I am here, with this many training examples". */
export interface JoinV2 {
  readonly type: 'join';
  /** The sender (the frame's subject, not a field of the frame). */
  readonly clientId: string;
  /** Protocol versions the client speaks, strictly ascending (see `negotiateProtocolVersion`). */
  readonly versions: readonly number[];
  /** Training examples the client holds: its aggregation weight for the whole run. */
  readonly numSamples: number;
  /** The round of the θ the client holds (0 = θ⁰). */
  readonly round: number;
}

/** coordinator → client: the protocol version chosen and the run's parameters. */
export interface WelcomeV2 {
  readonly type: 'welcome';
  /** The addressee (the frame's subject). */
  readonly clientId: string;
  /** The version both sides speak from now on. */
  readonly version: number;
  readonly run: RunDescriptor;
}

/** coordinator → client: run round `round`. */
export interface AnnounceV2 {
  readonly type: 'announce';
  readonly clientId: string;
  readonly round: number;
  /** Local steps this round. */
  readonly steps: number;
  /** Where the client's data cursor stands (gradip `ClientDataCursor` state). */
  readonly cursor: { readonly epoch: number; readonly position: number };
  /** How the client reaches θ of `round` before its steps. */
  readonly catchUp: CatchUpSourceV2;
}

/**
 * Where a client that is behind finds what brings it to θ of the announced round. Nothing of it
 * travels in the per-client frame: the round logs sit once on the broadcast stream, the θ
 * snapshot once in the object store (round-log-v2.ts, theta-frame-v2.ts).
 *   - `none`: the client holds θ of this round already;
 *   - `logs`: replay the round logs of rounds `from` … round − 1;
 *   - `theta`: install the θ snapshot of this round.
 * On the wire one varint: 0 = none, 1 = theta, 2 + from = logs.
 */
export type CatchUpSourceV2 =
  | { readonly kind: 'none' }
  | { readonly kind: 'logs'; readonly from: number }
  | { readonly kind: 'theta' };

/** client → coordinator: the result of a round's local steps. */
export interface UpdateV2 {
  readonly type: 'update';
  readonly clientId: string;
  readonly round: number;
  /** ZO: steps × directions scalars, step-major. Empty for first-order updates. */
  readonly g: Float32Array;
  readonly loss?: LossStatsV2;
  readonly counters?: { readonly forwardPasses: number; readonly skippedSteps: number };
  /** First-order (SGD): θ_c − θ^r, k values. Absent for ZO updates. */
  readonly delta?: Float32Array;
}

/** coordinator → client: the run is over; catch up to θ of `round` (the final θ). */
export interface FinishV2 {
  readonly type: 'finish';
  readonly clientId: string;
  readonly round: number;
  /** How the client reaches θ of `round`. */
  readonly catchUp: CatchUpSourceV2;
}

/** The per-client messages of v2 (frame types 1–5). */
export type MessageV2 = JoinV2 | WelcomeV2 | AnnounceV2 | UpdateV2 | FinishV2;
export type DownlinkMessageV2 = WelcomeV2 | AnnounceV2 | FinishV2;
export type UplinkMessageV2 = JoinV2 | UpdateV2;

/** One client of the run's client list: indices of round logs point into this list. */
export interface RosterEntry {
  readonly clientId: string;
  /** Its training examples (from its join): p_c = n_c / Σ n over a round's participants. */
  readonly numSamples: number;
}

/** Broadcast: entries `from .. from + clients.length − 1` of the run's client list. */
export interface RosterV2 {
  readonly from: number;
  readonly clients: readonly RosterEntry[];
}

/** Broadcast: θ of round `round` (k float32 values): SGD downlink, or a client too far behind. */
export interface ThetaV2 {
  readonly round: number;
  readonly theta: Float32Array;
}

/** One participant of a round log: an index into the run's client list and its step count. */
export interface RoundLogParticipant {
  readonly client: number;
  readonly steps: number;
}

/**
 * Round r's aggregation without seeds or weights (both derived): the participants in clientId
 * order, and their scalars in participant order, then step order, then direction order.
 */
export interface RoundLogV2 {
  readonly round: number;
  readonly participants: readonly RoundLogParticipant[];
  /** Σ steps × directions finite float32 values. */
  readonly g: Float32Array;
}
