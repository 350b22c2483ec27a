/**
 * One ZO step as it travels over the wire: the seed that generated its direction(s) and the
 * projected-gradient scalar(s). `(seed, g)` is the whole step: anyone can replay it.
 *
 * With one direction per step (the default) `g` is the step's scalar. With n > 1 directions,
 * `gs` holds the n per-direction scalars (streams 0 .. n−1) and `g` is their mean; the update
 * is −η·(1/n)·Σₛ gs[s]·z(seed, s), the average of n one-direction estimates.
 */
export interface StepRecord {
  readonly seed: bigint;
  readonly g: number;
  readonly gs?: readonly number[];
}
