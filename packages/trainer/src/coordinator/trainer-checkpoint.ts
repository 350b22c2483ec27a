import { crc32 } from '@meerkat/seeded';
import { MeerkatError } from '../errors.js';

/**
 * The coordinator's resumable state after a closed round (plain JSON). The aggregator's own
 * checkpoint (fed-aggregate's FederatedServer format for ZO, θ for first-order) travels beside it.
 */
export interface TrainerState {
  readonly version: 1;
  /** Rounds closed (= metrics lines that belong to the checkpoint). */
  readonly round: number;
  readonly startedAt: string;
  /** Wall seconds spent before this checkpoint (summed over resumed sessions). */
  readonly seconds: number;
  /** The θ round the coordinator last brought each client to (announce / finish). */
  readonly clientRounds: Readonly<Record<string, number>>;
  /** Data cursor of every client. */
  readonly cursors: Readonly<Record<string, { readonly epoch: number; readonly position: number }>>;
  /** Meerkat-vp: EarlyStoppingPolicy.toJSON(). */
  readonly policy: unknown;
  /** Meerkat-vp: GradIP series of the calibration phase, per client. */
  readonly calibrationSeries: Readonly<Record<string, readonly number[]>>;
  readonly flagged: readonly string[];
  readonly detection: unknown;
  readonly totals: {
    readonly bytesUpPerClient: number;
    readonly bytesDownPerClient: number;
    readonly forwardPasses: number;
  };
  readonly initialAccuracy: number | null;
  /** Causal-lm runs: the initial model's perplexity (absent in classification checkpoints). */
  readonly initialPerplexity?: number | null;
  /** Held-out loss of the initial model (absent in checkpoints written before it existed). */
  readonly initialLoss?: number | null;
  readonly lastEvaluation: {
    /** Null for causal-lm. */
    readonly accuracy: number | null;
    readonly loss: number;
    /** Causal-lm runs only. */
    readonly perplexity?: number | null;
  } | null;
  /** The divergence guard's starting losses (absent in checkpoints written before it existed). */
  readonly divergenceReferences?: {
    readonly train: number | null;
    readonly evaluation: number | null;
  };
  /** θ⁰: the model's values at the mask when the run started (f32 as numbers). */
  readonly maskFingerprint: string;
}

const MAGIC = 'MKTRAIN\0';

/** checkpoint.bin: "MKTRAIN\0", u32 version 1, u32 JSON length, JSON, u32 length, aggregator bytes, CRC-32. */
export function encodeTrainerCheckpoint(state: TrainerState, aggregator: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const out = new Uint8Array(16 + json.length + 4 + aggregator.length + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  view.setUint32(16 + json.length, aggregator.length, true);
  out.set(aggregator, 20 + json.length);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

export function decodeTrainerCheckpoint(bytes: Uint8Array): {
  state: TrainerState;
  aggregator: Uint8Array;
} {
  const bad = (why: string) => new MeerkatError('MEERKAT_CHECKPOINT_INVALID', `checkpoint: ${why}`);
  if (bytes.length < 24 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw bad('bad magic (not a Meerkat trainer checkpoint)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== 1)
    throw bad(`version ${view.getUint32(8, true)} is not supported`);
  if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4)))
    throw bad('checksum mismatch (damaged file)');
  const jsonLength = view.getUint32(12, true);
  if (20 + jsonLength > bytes.length - 4) throw bad('truncated');
  const state = JSON.parse(
    new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength)),
  ) as TrainerState;
  const aggLength = view.getUint32(16 + jsonLength, true);
  if (20 + jsonLength + aggLength !== bytes.length - 4) throw bad('inconsistent lengths');
  return { state, aggregator: bytes.slice(20 + jsonLength, 20 + jsonLength + aggLength) };
}
