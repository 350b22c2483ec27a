import type { LogitsMode } from '../model.js';

/** One matmul timing as it appears in the JSON report. */
export interface BenchMatmulTiming {
  readonly label: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transpose_b: boolean;
  readonly seconds: number;
  readonly gflops: number;
}

/**
 * What `meerkat-lm bench --json` prints (one object). Times in seconds, memory in bytes, rates
 * per second; `gflops` counts `flops_per_forward` (see `flops_formula`) over the median time.
 */
export interface BenchReport {
  readonly command: 'bench';
  /** The model directory, or `random <preset> (seed N)`. */
  readonly model: string;
  readonly source: 'model' | 'config';
  readonly config_name: string | null;
  readonly architecture: string;
  readonly backend: string;
  readonly batch: number;
  readonly seq: number;
  readonly tokens: number;
  readonly logits: LogitsMode;
  /** What one timed repetition does. */
  readonly timed_unit: string;
  readonly seed: number;
  readonly params: number;
  readonly matmul_params: number;
  readonly weights_bytes: number;
  /**
   * Every tensor one forward creates, alive until it returns, plus (logits all) the loss's
   * gathered rows and log-softmax (see `activationBytes`).
   */
  readonly activation_bytes: number;
  /** The same if each layer's temporaries were freed after the layer. */
  /** The loss's part of `activation_bytes` (0 with logits last). */
  readonly loss_bytes: number;
  readonly logits_bytes: number;
  readonly flops_per_forward: number;
  readonly flops_linear: number;
  readonly flops_attention: number;
  readonly flops_formula: string;
  /** 2 · params · tokens, the count `shared/bench/peer_torch.py` reports. */
  readonly flops_2nt: number;
  /** Warm-up forwards done (fewer than asked when --max-seconds cut them short). */
  readonly warmup: number;
  /** Timed forwards done. */
  readonly reps: number;
  readonly load_s: number;
  /** Median of the timed repetitions. */
  readonly forward_s: number;
  readonly forward_s_min: number;
  readonly forward_s_all: readonly number[];
  readonly tokens_per_s: number;
  readonly gflops: number;
  /** The engine's best matmul GFLOP/s in this run, on this backend. */
  readonly matmul_gflops: number;
  readonly matmul_best: string;
  /** gflops / matmul_gflops. */
  readonly matmul_fraction: number;
  readonly matmul_timings: readonly BenchMatmulTiming[];
  readonly matmul_skipped: readonly { readonly label: string; readonly reason: string }[];
  /** Mean next-token NLL of the last timed repetition (logits all), else null. */
  readonly loss: number | null;
  /** Resident set size: after the backend was created, after the weights were uploaded, at the end. */
  readonly rss_start_bytes: number;
  readonly rss_after_load_bytes: number;
  readonly rss_end_bytes: number;
  /** `backend.memory().bytes` after the upload (the weights) and after the timed forwards (weights + what the engine keeps, e.g. tfjs's cached weight transposes). */
  readonly backend_bytes_after_load: number;
  readonly backend_bytes_end: number;
  /** The process's peak resident set so far (`process.resourceUsage().maxRSS`). */
  readonly max_rss_bytes: number;
}

const MB = 1024 * 1024;

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function mib(bytes: number): string {
  return bytes < MB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MB).toFixed(1)} MiB`;
}

/** The readable (non-JSON) output of `meerkat-lm bench`. */
export function formatBenchReport(r: BenchReport): string {
  const lines = [
    `model          ${r.model} (${r.architecture}) on ${r.backend}`,
    `shape          batch ${r.batch} × seq ${r.seq} = ${int(r.tokens)} tokens, logits ${r.logits}: ${r.timed_unit}`,
    `parameters     ${int(r.params)} (${int(r.matmul_params)} in matmuls); weights ${mib(r.weights_bytes)} float32`,
    `forward        ${r.forward_s.toFixed(4)} s median of ${r.reps} (min ${r.forward_s_min.toFixed(4)} s; ${r.warmup} warm-up; load ${r.load_s.toFixed(2)} s)`,
    `tokens/s       ${int(r.tokens_per_s)}`,
    `FLOPs/forward  ${(r.flops_per_forward / 1e9).toFixed(3)} G = ${(r.flops_linear / 1e9).toFixed(3)} linear + ${(r.flops_attention / 1e9).toFixed(3)} attention (2·params·tokens = ${(r.flops_2nt / 1e9).toFixed(3)} G)`,
    `achieved       ${r.gflops.toFixed(2)} GFLOP/s = ${(100 * r.matmul_fraction).toFixed(1)}% of this engine's best matmul, ${r.matmul_gflops.toFixed(2)} GFLOP/s (${r.matmul_best})`,
    `matmul probe   ${r.matmul_timings.map((t) => `${t.label} ${t.gflops.toFixed(2)}`).join(', ')} GFLOP/s`,
  ];
  for (const s of r.matmul_skipped) lines.push(`               skipped ${s.label}: ${s.reason}`);
  lines.push(
    `activations    ≈${mib(r.activation_bytes)} held by one forward${r.loss_bytes > 0 ? ' + loss' : ''} (peak: one layer at a time; logits ${mib(r.logits_bytes)})`,
    `backend bytes  ${mib(r.backend_bytes_after_load)} after load, ${mib(r.backend_bytes_end)} after the forwards`,
    `memory (RSS)   start ${mib(r.rss_start_bytes)}, after load ${mib(r.rss_after_load_bytes)}, end ${mib(r.rss_end_bytes)}, peak ${mib(r.max_rss_bytes)}`,
  );
  if (r.loss !== null) lines.push(`loss           ${r.loss.toFixed(4)} nats (mean next-token NLL)`);
  lines.push(`FLOP formula   ${r.flops_formula}`);
  return `${lines.join('\n')}\n`;
}
