/**
 * The coordinator's time source for round deadlines. Injectable so tests are deterministic: a test
 * clock moves only when the test advances it, and `sleep` resolves when it has moved far enough.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock; an abort cancels it (it then never resolves). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Wall time: `performance.now()` and `setTimeout` (cleared on abort). */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return;
      const timer = setTimeout(resolve, Math.max(0, ms));
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }),
};
