import { checkScratchLength } from './checks.js';
import { type DirectionOptions, fillDirectionRange } from './directions.js';
import { ZoError } from './errors.js';
import { WASM_CHUNK_BLOCKS } from './philox-wasm.js';
import type { StepRecord } from './step-record.js';
import { directionScalars, type UpdateOptions } from './update.js';

/**
 * Fills `out` with z_j(seed, stream) for j in [from, from + out.length): `fillDirectionRange`,
 * or a `DirectionPool`'s `fillRange`.
 */
export type DirectionRangeFill = (
  seed: bigint,
  out: Float32Array,
  from: number,
  options: DirectionOptions,
) => unknown;

/**
 * Entries regenerated per chunk on the calling thread when a step has n > 1 directions:
 * one WebAssembly kernel call (4096 Philox blocks), 64 KiB, so the chunk of θ, of `saved` and of
 * the regenerated direction stay in cache while every direction is added to it.
 */
export const FUSED_CHUNK_ENTRIES = 4 * WASM_CHUNK_BLOCKS;

/**
 * θ[i] = base[i]·keep (rounded to float32; skipped when `decay` is false) + c·z[i − zFrom] for
 * i in [from, to): one element-wise step of `applyStep`'s arithmetic, in its order.
 */
function addScaled(
  theta: Float32Array,
  base: Float32Array,
  from: number,
  to: number,
  decay: boolean,
  keep: number,
  c: number,
  z: Float32Array,
  zFrom: number,
): void {
  if (decay) {
    for (let i = from; i < to; i++) theta[i] = Math.fround(base[i]! * keep) + c * z[i - zFrom]!;
  } else {
    for (let i = from; i < to; i++) theta[i] = base[i]! + c * z[i - zFrom]!;
  }
}

interface Plan {
  readonly scalars: readonly number[];
  readonly directions: number;
  readonly distribution: NonNullable<UpdateOptions['distribution']>;
  readonly decay: boolean;
  readonly keep: number;
  /** coefficient of stream s, computed exactly as `addStepDirections` does. */
  readonly c: (stream: number) => number;
}

/**
 * Adds stream `stream` of the step to θ[from, to) (z[i − zFrom] holding its entries); stream 0
 * starts from the saved values, with the weight decay, as `applyStep` does.
 */
function addStream(
  theta: Float32Array,
  saved: Float32Array,
  p: Plan,
  from: number,
  to: number,
  stream: number,
  z: Float32Array,
  zFrom: number,
): void {
  if (stream === 0) addScaled(theta, saved, from, to, p.decay, p.keep, p.c(0), z, zFrom);
  else addScaled(theta, theta, from, to, false, 1, p.c(stream), z, zFrom);
}

/** Validates everything before θ is touched and precomputes the step's scalars. */
function plan(
  theta: Float32Array,
  saved: Float32Array,
  lastDirection: Float32Array,
  step: StepRecord,
  options: UpdateOptions,
): Plan {
  const { lr, weightDecay = 0, directions = 1, distribution = 'gaussian' } = options;
  const scalars = directionScalars(step, directions);
  checkScratchLength(saved, theta, 'theta');
  checkScratchLength(lastDirection, theta, 'theta');
  if (saved === theta || lastDirection === theta) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'saved and lastDirection must not be theta itself');
  }
  const scale = -lr;
  return {
    scalars,
    directions,
    distribution,
    decay: weightDecay > 0,
    keep: 1 - lr * weightDecay,
    c: (stream) => (scale * scalars[stream]!) / directions,
  };
}

/**
 * The update of a step fused with θ's restore: writes
 * θ = (1 − η·λ)·saved − η·(1/n)·Σₛ gₛ·z(seed, s) straight from the saved pre-step values, in one
 * pass over θ, bit-identical to `theta.set(saved); applyStep(theta, step, options)` (the same
 * float32 roundings in the same order, element by element).
 *
 * `lastDirection` must hold z(step.seed, n − 1) — the direction the estimator used last, still in
 * its scratch buffer — so with one direction nothing is regenerated; with n > 1 the streams
 * 0 .. n − 2 are regenerated chunk by chunk on this thread (in cache, still one pass over θ).
 * θ's current (perturbed) values are ignored. Everything is validated before θ is written, and
 * `saved` and `lastDirection` are only read.
 */
export function applyStepFromSaved(
  theta: Float32Array,
  saved: Float32Array,
  lastDirection: Float32Array,
  step: StepRecord,
  options: UpdateOptions,
): Float32Array {
  const p = plan(theta, saved, lastDirection, step, options);
  const k = theta.length;
  const last = p.directions - 1;
  const chunkEntries = last === 0 ? k : Math.min(FUSED_CHUNK_ENTRIES, k);
  const chunk = last === 0 ? undefined : new Float32Array(chunkEntries);
  for (let from = 0; from < k; from += chunkEntries) {
    const to = Math.min(k, from + chunkEntries);
    for (let stream = 0; stream < last; stream++) {
      const z = chunk!.subarray(0, to - from);
      fillDirectionRange(step.seed, z, from, { stream, distribution: p.distribution });
      addStream(theta, saved, p, from, to, stream, z, from);
    }
    addStream(theta, saved, p, from, to, last, lastDirection, 0);
  }
  return theta;
}

/**
 * `applyStepFromSaved` with the regenerated directions (n > 1) coming from an asynchronous range
 * filler (a `DirectionPool`'s `fillRange`), `scratch.length` entries at a time written into
 * `scratch` (for a pool, a buffer from its `allocate`). Same result, bit for bit. If the filler
 * rejects, θ is left partly written: the caller restores it from `saved`, which is only read.
 */
export async function applyStepFromSavedAsync(
  theta: Float32Array,
  saved: Float32Array,
  lastDirection: Float32Array,
  step: StepRecord,
  options: UpdateOptions,
  fillRange: DirectionRangeFill,
  scratch: Float32Array,
): Promise<Float32Array> {
  const p = plan(theta, saved, lastDirection, step, options);
  const k = theta.length;
  const last = p.directions - 1;
  const chunkEntries = last === 0 ? k : Math.min(scratch.length, k);
  if (chunkEntries === 0 && k > 0) {
    throw new ZoError('ZO_INVALID_ARGUMENT', 'scratch must have at least one entry');
  }
  for (let from = 0; from < k; from += chunkEntries) {
    const to = Math.min(k, from + chunkEntries);
    for (let stream = 0; stream < last; stream++) {
      const z = scratch.subarray(0, to - from);
      await fillRange(step.seed, z, from, { stream, distribution: p.distribution });
      addStream(theta, saved, p, from, to, stream, z, from);
    }
    addStream(theta, saved, p, from, to, last, lastDirection, 0);
  }
  return theta;
}
