import type { Backend, Tensor } from '../backend.js';
import { isTensorError, type TensorErrorCode } from '../errors.js';

/** A conformance check that did not hold; the message says what, where and by how much. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

/**
 * Allowed error of element i: |got − expected| ≤ abs(i) + rel · |expected|. Every backend
 * gets the same formulas; they scale with the backend's declared unit roundoff.
 */
export interface Tolerance {
  readonly rel: number;
  /** A number for every element, or per element (e.g. a condition number of the reduction). */
  readonly abs: number | ((i: number) => number);
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

/** Downloads `got`, checks shape, finiteness and tolerance against the float64 expectation. */
export async function expectClose(
  backend: Backend,
  label: string,
  got: Tensor,
  expected: Float64Array,
  expectedShape: readonly number[],
  tolerance: Tolerance,
): Promise<void> {
  if (
    got.shape.length !== expectedShape.length ||
    got.shape.some((d, i) => d !== expectedShape[i])
  ) {
    fail(`${label}: shape ${fmtShape(got.shape)}, expected ${fmtShape(expectedShape)}`);
  }
  if (got.dtype !== 'float32') fail(`${label}: dtype ${String(got.dtype)}, expected float32`);
  const data = await backend.download(got);
  if (!(data instanceof Float32Array) || data.length !== expected.length) {
    fail(
      `${label}: download gave ${data?.length} values, expected a Float32Array of ${expected.length}`,
    );
  }
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const g = data[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(g)) {
      fail(`${label}: element ${i} is ${g}, expected ${e}`);
    }
    const abs = typeof tolerance.abs === 'number' ? tolerance.abs : tolerance.abs(i);
    const allowed = abs + tolerance.rel * Math.abs(e);
    const err = Math.abs(g - e);
    const ratio = allowed > 0 ? err / allowed : err > 0 ? Number.POSITIVE_INFINITY : 0;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
    }
  }
  if (worstRatio > 1) {
    const e = expected[worst]!;
    const abs = typeof tolerance.abs === 'number' ? tolerance.abs : tolerance.abs(worst);
    fail(
      `${label}: element ${worst} of ${fmtShape(expectedShape)} is ${data[worst]}, expected ${e} ` +
        `(error ${Math.abs(data[worst]! - e).toExponential(3)} > allowed ${(abs + tolerance.rel * Math.abs(e)).toExponential(3)})`,
    );
  }
}

/** Runs `fn` and checks it throws a `TensorError` with `code`. */
export function expectTensorError(label: string, code: TensorErrorCode, fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (isTensorError(error, code)) return;
    fail(`${label}: threw ${String(error)}, expected a TensorError with code ${code}`);
  }
  fail(`${label}: did not throw, expected a TensorError with code ${code}`);
}

/** Async variant of `expectTensorError`. */
export async function expectTensorErrorAsync(
  label: string,
  code: TensorErrorCode,
  fn: () => Promise<unknown>,
): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (isTensorError(error, code)) return;
    fail(`${label}: threw ${String(error)}, expected a TensorError with code ${code}`);
  }
  fail(`${label}: did not throw, expected a TensorError with code ${code}`);
}

export function toFloat64(x: Float32Array): Float64Array {
  return Float64Array.from(x);
}

export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}
