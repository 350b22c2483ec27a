/**
 * One ZO step as it travels over the wire: the seed that generated its direction(s) and the
 * projected-gradient scalar g. `(seed, g)` is the whole step: anyone can replay it.
 */
export interface StepRecord {
  readonly seed: bigint;
  /** Projected gradient, averaged over `directions` directions (streams 0 .. directions-1). */
  readonly g: number;
}
