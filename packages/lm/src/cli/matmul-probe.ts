import type { Backend } from '@meerkat/tensor';
import type { LlamaConfig } from '../config.js';

/** One matrix product to time: A [m, k] × B [k, n], or × Bᵀ with B [n, k] (as `LlamaModel` calls it). */
export interface MatmulCase {
  readonly label: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeB: boolean;
}

/** The best time of a case and the throughput it gives. */
export interface MatmulTiming extends MatmulCase {
  readonly seconds: number;
  readonly gflops: number;
}

/** What {@link probeMatmul} measured. */
export interface MatmulProbeReport {
  /** The fastest case: the engine's own matmul GFLOP/s in this run. */
  readonly best: MatmulTiming;
  readonly timings: readonly MatmulTiming[];
  /** Cases not run because one product would take longer than the budget. */
  readonly skipped: readonly { readonly label: string; readonly reason: string }[];
}

/** Options of {@link probeMatmul}. */
export interface MatmulProbeOptions {
  /** Timed repetitions per case after one warm-up (best is kept); default 3. A product slower than half the budget is timed once. */
  readonly reps?: number;
  /** Skip a case whose single product is predicted to take longer than this; default 2 s. */
  readonly maxSecondsPerProduct?: number;
  /** Called after each case (progress lines). */
  readonly onTiming?: (timing: MatmulTiming) => void;
}

/**
 * Square products (256³, 512³, 1024³) and the model's own projection shapes with
 * m = min(tokens, 1024) rows: q_proj [m, h]×[hq·d, h]ᵀ, gate/up [m, h]×[F, h]ᵀ,
 * down [m, F]×[h, F]ᵀ.
 */
export function matmulProbeCases(config: LlamaConfig, tokens: number): MatmulCase[] {
  const m = Math.min(tokens, 1024);
  const h = config.hiddenSize;
  const f = config.intermediateSize;
  const qd = config.numAttentionHeads * config.headDim;
  return [
    ...[256, 512, 1024].map((s) => ({ label: `${s}³`, m: s, k: s, n: s, transposeB: false })),
    { label: `q_proj [${m}×${h}]·[${qd}×${h}]ᵀ`, m, k: h, n: qd, transposeB: true },
    { label: `gate [${m}×${h}]·[${f}×${h}]ᵀ`, m, k: h, n: f, transposeB: true },
    { label: `down [${m}×${f}]·[${h}×${f}]ᵀ`, m, k: f, n: h, transposeB: true },
  ];
}

function flopsOf(c: MatmulCase): number {
  return 2 * c.m * c.k * c.n;
}

/**
 * Times `cases` on `backend`, smallest first: each product is run once to warm up, then up to
 * `reps` times (while the case has used less than the budget), and the best time counts (the result is downloaded each time, so asynchronous engines
 * finish their work inside the timing). Inputs are filled with a constant (speed does not depend
 * on the values). A case predicted, from the best rate so far, to exceed the per-product budget
 * is skipped, so a slow engine (tfjs:cpu ≈ 0.4 GFLOP/s) is not stuck for minutes.
 */
export async function probeMatmul(
  backend: Backend,
  cases: readonly MatmulCase[],
  options: MatmulProbeOptions = {},
): Promise<MatmulProbeReport> {
  const reps = options.reps ?? 3;
  const budget = options.maxSecondsPerProduct ?? 2;
  const ordered = [...cases].sort((a, b) => flopsOf(a) - flopsOf(b));
  const timings: MatmulTiming[] = [];
  const skipped: { label: string; reason: string }[] = [];
  let bestRate = 0;
  for (const c of ordered) {
    if (timings.length > 0 && flopsOf(c) / bestRate > budget) {
      skipped.push({
        label: c.label,
        reason: `one product would take ≈${(flopsOf(c) / bestRate).toFixed(1)} s at ${(bestRate / 1e9).toFixed(2)} GFLOP/s (budget ${budget} s)`,
      });
      continue;
    }
    const a = backend.fill([c.m, c.k], 0.5);
    const b = backend.fill(c.transposeB ? [c.n, c.k] : [c.k, c.n], 0.25);
    let best = Number.POSITIVE_INFINITY;
    try {
      const time = async (): Promise<number> => {
        const start = performance.now();
        const product = backend.matmul(a, b, { transposeB: c.transposeB });
        await backend.download(product);
        product.dispose();
        return (performance.now() - start) / 1000;
      };
      const warm = await time();
      // A slow product (over half the budget) is timed once: its warm-up is the timing.
      if (reps === 0 || warm > budget / 2) best = warm;
      else {
        let spent = 0;
        for (let r = 0; r < reps && spent < budget; r++) {
          const seconds = await time();
          best = Math.min(best, seconds);
          spent += seconds;
        }
      }
    } finally {
      backend.dispose([a, b]);
    }
    const timing = { ...c, seconds: best, gflops: flopsOf(c) / best / 1e9 };
    timings.push(timing);
    bestRate = Math.max(bestRate, flopsOf(c) / best);
    options.onTiming?.(timing);
  }
  const best = timings.reduce((x, y) => (y.gflops > x.gflops ? y : x), timings[0]!);
  return { best, timings, skipped };
}
