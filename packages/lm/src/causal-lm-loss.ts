import { LmError } from './errors.js';
import type { LlamaModel } from './model.js';

/** Result of `causalLmLoss`. */
export interface CausalLmLoss {
  /** Mean next-token negative log-likelihood (nats) over every scored target of the batch. */
  readonly mean: number;
  /** Mean NLL of each sequence over its own targets (NaN for a row with no target). */
  readonly perSequence: Float64Array;
  /** Number of targets scored per sequence. */
  readonly targetsPerSequence: Uint32Array;
  /** Total targets scored. */
  readonly targetCount: number;
}

/**
 * Rows (flat positions b·s + t) and targets for next-token prediction: position t predicts token
 * t + 1 when both are real tokens (mask nonzero; no mask = every token is real). Padding never
 * appears as an input or a target, for left and right padding alike.
 */
export function nextTokenTargets(
  ids: Uint32Array,
  shape: readonly [number, number],
  attentionMask?: Uint32Array | Float32Array,
): { rows: Uint32Array; targets: Uint32Array; sequence: Uint32Array } {
  const [b, s] = shape;
  const rows: number[] = [];
  const targets: number[] = [];
  const sequence: number[] = [];
  for (let r = 0; r < b; r++) {
    for (let t = 0; t + 1 < s; t++) {
      const i = r * s + t;
      if (attentionMask !== undefined && (attentionMask[i] === 0 || attentionMask[i + 1] === 0))
        continue;
      rows.push(i);
      targets.push(ids[i + 1]!);
      sequence.push(r);
    }
  }
  return {
    rows: Uint32Array.from(rows),
    targets: Uint32Array.from(targets),
    sequence: Uint32Array.from(sequence),
  };
}

/**
 * Causal-LM loss of a batch `ids` laid out as `shape = [b, s]`: the mean next-token NLL over the
 * non-padded targets (see `nextTokenTargets`), overall and per sequence. One forward pass with
 * `logits: 'all'`; every temporary tensor is disposed.
 */
export async function causalLmLoss(
  model: LlamaModel,
  ids: Uint32Array,
  shape: readonly [number, number],
  attentionMask?: Uint32Array | Float32Array,
): Promise<CausalLmLoss> {
  const { rows, targets, sequence } = nextTokenTargets(ids, shape, attentionMask);
  if (rows.length === 0) {
    throw new LmError(
      'LM_INVALID_ARGUMENT',
      'causalLmLoss: no sequence has two real tokens in a row, so there is no next-token target.',
    );
  }
  const be = model.backend;
  const nll = be.scope(() => {
    const logits = model.forward(
      ids,
      shape,
      attentionMask === undefined ? { logits: 'all' } : { logits: 'all', attentionMask },
    );
    return be.crossEntropy(logits, rows, targets);
  });
  const values = await be.download(nll);
  nll.dispose();
  const b = shape[0];
  const sums = new Float64Array(b);
  const counts = new Uint32Array(b);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    sums[sequence[i]!]! += values[i]!;
    counts[sequence[i]!]!++;
    total += values[i]!;
  }
  const perSequence = sums.map((v, r) => (counts[r] === 0 ? Number.NaN : v / counts[r]!));
  return {
    mean: total / values.length,
    perSequence,
    targetsPerSequence: counts,
    targetCount: values.length,
  };
}
