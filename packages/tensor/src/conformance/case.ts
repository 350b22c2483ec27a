import type { Backend, Tensor } from '../backend.js';
import { toFloat64 } from './compare.js';
import type { SeededRandom } from './random.js';

/** What a conformance case gets. */
export interface CaseContext {
  readonly backend: Backend;
  /** Seeded from `options.seed` and the case name: same inputs on every run and backend. */
  readonly random: SeededRandom;
  /** The backend's declared unit roundoff times `options.toleranceScale`: the tolerance unit. */
  readonly u: number;
  /** Records a tensor for disposal when the case ends (before the leak check). Returns it. */
  own<T extends Tensor>(x: T): T;
}

/** One named check of one operation (or of lifetime/error behaviour). */
export interface ConformanceCase {
  readonly name: string;
  /** The `Backend` method under test, or `'lifetime'` / `'errors'` / `'decoder'`. */
  readonly op: string;
  /** Runs only on backends with this capability (reported as skipped elsewhere). */
  readonly requires?: 'gradients';
  run(ctx: CaseContext): Promise<void>;
}

/** A random input: the tensor, its float32 values and the same values in float64. */
export interface Input {
  readonly tensor: Tensor;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
}

export function randomInput(ctx: CaseContext, shape: readonly number[], range = 1): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  const f32 = ctx.random.floats(size, range);
  return fromValues(ctx, f32, shape);
}

export function fromValues(ctx: CaseContext, f32: Float32Array, shape: readonly number[]): Input {
  return { tensor: ctx.own(ctx.backend.upload(f32, shape)), f32, f64: toFloat64(f32) };
}
