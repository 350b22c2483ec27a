/**
 * The round protocol between a coordinator and its clients, version 1. Messages are plain data
 * (strings, numbers, typed arrays) so that any transport can carry them; `encodeMessage` gives
 * their wire bytes (see codec.ts), and those bytes are what the trainer accounts as "bytes up" and
 * "bytes down".
 *
 * A round r:
 *   1. coordinator → each sampled client: `announce` (its steps, its data cursor, and the replay
 *      logs of the rounds it has not seen yet, or θ itself when it is too far behind);
 *   2. the client brings its θ to θ^r (applies the logs), runs its local steps with the seeds
 *      `deriveSeed(runSeed, r, clientId, t)` and its own data, and answers with `update`
 *      (ZO: one scalar g per step and direction; first-order: the k-vector θ_c − θ^r);
 *   3. the coordinator aggregates (virtual-path replay for ZO) and opens round r + 1.
 * At the end, `finish` brings every client to the final θ.
 */

export const PROTOCOL_VERSION = 1;

/** Seeds are 64-bit: carried as decimal strings in the header (JSON has no 64-bit integers). */
export type SeedString = string;

/** What every client needs to know about the run, sent once in `welcome`. */
export interface RunDescriptor {
  readonly runId: string;
  /** The run seed as a decimal string (`deriveSeed(BigInt(runSeed), round, clientId, t)`). */
  readonly runSeed: SeedString;
  /** The data-order seed of every client's `ClientDataCursor`, decimal. */
  readonly dataSeed: SeedString;
  readonly optimizer: 'zo' | 'sgd';
  readonly lr: number;
  readonly eps: number;
  readonly directions: number;
  readonly distribution: 'gaussian' | 'rademacher';
  readonly batchSize: number;
  /** Trainable values (mask size). */
  readonly k: number;
  /** The model's layout fingerprint (sparse-mask v1); a client with another model refuses. */
  readonly layoutFingerprint: string;
}

/** client → coordinator: "I am here, with this many training examples". */
export interface JoinMessage {
  readonly v: 1;
  readonly type: 'join';
  readonly clientId: string;
  readonly numSamples: number;
  /** The round of the θ the client holds (0 = θ⁰, the model's own values at the mask). */
  readonly round: number;
}

/** coordinator → client: the run's parameters and the round the client starts at. */
export interface WelcomeMessage {
  readonly v: 1;
  readonly type: 'welcome';
  readonly clientId: string;
  readonly run: RunDescriptor;
  /**
   * The protocol version the coordinator chose for this client's uplink
   * (`negotiateProtocolVersion` of the versions its join listed); absent means 1. A transport
   * that negotiates (NATS) sets it; the frame stays v1.
   */
  readonly version?: number;
}

/** How a client gets from the θ it holds to θ^r. */
export type CatchUp =
  /** Already at θ^r. */
  | { readonly kind: 'none'; readonly round: number }
  /** Apply these replay logs (fed-aggregate format v1, consecutive rounds) in order. */
  | { readonly kind: 'logs'; readonly round: number; readonly logs: readonly Uint8Array[] }
  /** Replace θ (k float32 values): first round, a first-order method, or too far behind. */
  | { readonly kind: 'theta'; readonly round: number; readonly theta: Float32Array };

/** coordinator → client: run round `round`. */
export interface AnnounceMessage {
  readonly v: 1;
  readonly type: 'announce';
  readonly round: number;
  readonly clientId: string;
  /** Local steps this round (Meerkat-vp: T_cal while calibrating, 1 once flagged). */
  readonly steps: number;
  /** Where the client's data cursor stands (gradip `ClientDataCursor` state). */
  readonly cursor: { readonly epoch: number; readonly position: number };
  readonly catchUp: CatchUp;
}

/** client → coordinator: the result of a round's local steps. */
export interface UpdateMessage {
  readonly v: 1;
  readonly type: 'update';
  readonly round: number;
  readonly clientId: string;
  readonly numSamples: number;
  /** ZO: steps × directions scalars, step-major. Empty for first-order updates. */
  readonly g: Float64Array;
  /** First-order: θ_c − θ^r (k values). Empty for ZO updates. */
  readonly delta: Float32Array;
  /**
   * Training loss over the round's local steps: the mean, and the loss of the first and last step.
   * A `TrainingClient` fills all three and a v1 frame carries them; a v2 update carries the mean
   * only (`updateV2FromMessage`), so an update the coordinator got as a v2 frame has no first/last
   * (left out rather than made up from the mean). Only the mean is relied on (metrics, divergence).
   */
  readonly loss: { readonly mean: number; readonly first?: number; readonly last?: number };
  readonly forwardPasses: number;
  /** Steps whose loss was not finite (uploaded as g = 0). */
  readonly skippedSteps: number;
}

/** coordinator → client: the run is over; catch up to the final θ. */
export interface FinishMessage {
  readonly v: 1;
  readonly type: 'finish';
  readonly clientId: string;
  readonly catchUp: CatchUp;
}

export type DownlinkMessage = WelcomeMessage | AnnounceMessage | FinishMessage;
export type UplinkMessage = JoinMessage | UpdateMessage;
export type ProtocolMessage = DownlinkMessage | UplinkMessage;
