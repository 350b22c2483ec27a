import type { StepRecord } from './step-record.js';
import { applyStep, checkUpdateOptions, directionScalars, type UpdateOptions } from './update.js';

/**
 * Rebuilds a trajectory from its `(seed, g)` records, in place: the result is bit-identical to
 * the θ of the live run that produced them with the same options. Accepts a plain learning
 * rate or the full update options.
 */
export function replay(
  theta: Float32Array,
  steps: Iterable<StepRecord>,
  lr: number | UpdateOptions,
): Float32Array {
  const options: UpdateOptions = typeof lr === 'number' ? { lr } : lr;
  checkUpdateOptions(options);
  const records = Array.from(steps);
  // Validate every record before touching θ, so a bad record leaves θ as it was.
  for (const record of records) directionScalars(record, options.directions ?? 1);
  const scratch = new Float32Array(theta.length);
  for (const record of records) applyStep(theta, record, options, scratch);
  return theta;
}
