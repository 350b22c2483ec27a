/** Loss statistics a client may report with its update (informational; never aggregated into θ). */
export interface LossStats {
  /** Mean training loss over the round's local steps. */
  readonly mean: number;
  /** Loss of the first local step. */
  readonly first?: number;
  /** Loss of the last local step. */
  readonly last?: number;
}

/**
 * What a client uploads after its local steps in round `round`. The seeds are not uploaded: the
 * server derives `deriveSeed(runSeed, round, clientId, t)` for t = 0 .. g.length − 1.
 * A step the client skipped (non-finite loss) is uploaded as g = 0 and counted in `skippedSteps`.
 */
export interface ClientUpdate {
  readonly round: number;
  readonly clientId: string;
  /**
   * One projected-gradient scalar per local step, in step order. With d > 1 directions per step,
   * d scalars per step (step-major: g[t·d + s] is step t's direction s, i.e. `StepRecord.gs`).
   */
  readonly g: Float64Array | readonly number[];
  /** Number of training examples behind this update (its aggregation weight); a positive integer. */
  readonly numSamples: number;
  readonly loss?: LossStats;
  readonly skippedSteps?: number;
}

/** A client update as the server stores it: `g` copied into a `Float64Array`. */
export interface StoredClientUpdate extends ClientUpdate {
  readonly g: Float64Array;
}

/** −0 → 0, everything else unchanged (JSON, which checkpoints use for these fields, has no −0). */
const withoutNegativeZero = (x: number): number => (x === 0 ? 0 : x);

function storeLoss(loss: LossStats): LossStats {
  const stored: { mean: number; first?: number; last?: number } = {
    mean: withoutNegativeZero(loss.mean),
  };
  if (loss.first !== undefined) stored.first = withoutNegativeZero(loss.first);
  if (loss.last !== undefined) stored.last = withoutNegativeZero(loss.last);
  return stored;
}

/**
 * Copies an update into its stored form, so later changes to the caller's arrays cannot leak in.
 * `g` is copied bit for bit; −0 in `loss` and `skippedSteps` is stored as 0 (they are compared by
 * value, see `sameClientUpdate`), so a checkpoint round trip stores exactly the same update.
 */
export function storeClientUpdate(update: ClientUpdate): StoredClientUpdate {
  return {
    round: update.round,
    clientId: update.clientId,
    g: Float64Array.from(update.g),
    numSamples: update.numSamples,
    ...(update.loss === undefined ? {} : { loss: storeLoss(update.loss) }),
    ...(update.skippedSteps === undefined
      ? {}
      : { skippedSteps: withoutNegativeZero(update.skippedSteps) }),
  };
}

/** Equal by value (−0 equals 0, NaN equals NaN); both undefined also counts as equal. */
function sameNumber(a: number | undefined, b: number | undefined): boolean {
  return a === b || Object.is(a, b);
}

/**
 * True when two updates carry identical content: `g` bit for bit (`Object.is`, so −0 ≠ 0 — g is
 * stored exactly, in a checkpoint's binary section); `numSamples`, `skippedSteps` and `loss` by
 * value (−0 equals 0: they are informational or integers, and a checkpoint keeps them as JSON,
 * which cannot tell −0 from 0 — so an identical resend stays a duplicate after a resume).
 */
export function sameClientUpdate(a: ClientUpdate, b: ClientUpdate): boolean {
  if (a.round !== b.round || a.clientId !== b.clientId || a.g.length !== b.g.length) return false;
  if (!sameNumber(a.numSamples, b.numSamples) || !sameNumber(a.skippedSteps, b.skippedSteps)) {
    return false;
  }
  for (let t = 0; t < a.g.length; t++) if (!Object.is(a.g[t], b.g[t])) return false;
  if ((a.loss === undefined) !== (b.loss === undefined)) return false;
  if (a.loss !== undefined && b.loss !== undefined) {
    return (
      sameNumber(a.loss.mean, b.loss.mean) &&
      sameNumber(a.loss.first, b.loss.first) &&
      sameNumber(a.loss.last, b.loss.last)
    );
  }
  return true;
}
