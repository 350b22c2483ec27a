import { GradipError } from './errors.js';

/**
 * A contiguous window of a series: either `{ from, length }` (steps from .. from+length−1) or
 * `{ fromEnd, length? }` (starts `fromEnd` steps before the end; `length` defaults to `fromEnd`,
 * so `{ fromEnd: 60 }` is the last 60 steps).
 */
export type SeriesWindow =
  | { readonly from: number; readonly length: number }
  | { readonly fromEnd: number; readonly length?: number };

/** A window resolved against a series: indices `start .. end−1`. */
export interface ResolvedWindow {
  readonly start: number;
  readonly end: number;
}

function checkCount(what: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `${what} must be an integer >= ${min}, got ${String(value)}`,
    );
  }
}

/**
 * Resolves `window` against a series of `seriesLength` steps. Throws `GRADIP_WINDOW_TOO_LARGE`
 * when the window does not fit inside the series (never silently truncates).
 */
export function resolveWindow(
  window: SeriesWindow,
  seriesLength: number,
  name = 'window',
): ResolvedWindow {
  let start: number;
  let length: number;
  if ('from' in window) {
    checkCount(`${name}.from`, window.from, 0);
    checkCount(`${name}.length`, window.length, 1);
    start = window.from;
    length = window.length;
  } else {
    checkCount(`${name}.fromEnd`, window.fromEnd, 1);
    length = window.length ?? window.fromEnd;
    checkCount(`${name}.length`, length, 1);
    if (length > window.fromEnd) {
      throw new GradipError(
        'GRADIP_INVALID_ARGUMENT',
        `${name}.length (${length}) must not exceed ${name}.fromEnd (${window.fromEnd})`,
      );
    }
    start = seriesLength - window.fromEnd;
  }
  const end = start + length;
  if (start < 0 || end > seriesLength) {
    throw new GradipError(
      'GRADIP_WINDOW_TOO_LARGE',
      `${name} ${JSON.stringify(window)} needs steps ${start}..${end - 1} but the series has ${seriesLength} steps; ` +
        'run a longer calibration path or use a smaller window',
    );
  }
  return { start, end };
}
