import type { StepRecord } from '@meerkat/zo-estimator';
import { GradipError } from './errors.js';
import {
  checkPretrainingGradient,
  type GradipSeriesOptions,
  gradipOfStep,
  type ResolvedGradipSeriesOptions,
  resolveGradipSeriesOptions,
} from './gradip-series.js';

/** One client's growing series: a Float64Array with spare capacity. */
interface GrowingSeries {
  values: Float64Array;
  length: number;
}

/**
 * Streaming GradIP: append each client's step records as they arrive, round by round, and read
 * back each client's series at any time. Holds ḡ_pre and one k-sized scratch for all clients.
 */
export class GradipTracker {
  private readonly gPre: Float32Array;
  private readonly options: ResolvedGradipSeriesOptions;
  private readonly scratch: Float32Array;
  private readonly byClient = new Map<string, GrowingSeries>();

  /** `gPre` is the pre-training gradient at the mask (length k); it is used, not copied. */
  constructor(gPre: Float32Array, options: GradipSeriesOptions = {}) {
    this.options = resolveGradipSeriesOptions(options);
    checkPretrainingGradient(gPre);
    this.gPre = gPre;
    this.scratch = new Float32Array(gPre.length);
  }

  /** Mask size k. */
  get k(): number {
    return this.gPre.length;
  }

  /**
   * Appends a client's steps (in the order they were taken) and returns the GradIP values
   * just computed. All steps are validated before any is appended, so a bad batch leaves the
   * series unchanged.
   */
  append(clientId: string, steps: readonly StepRecord[]): Float64Array {
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw new GradipError('GRADIP_INVALID_ARGUMENT', 'clientId must be a non-empty string');
    }
    const fresh = new Float64Array(steps.length);
    for (let t = 0; t < steps.length; t++) {
      fresh[t] = gradipOfStep(steps[t]!, this.gPre, this.options, this.scratch);
    }
    let series = this.byClient.get(clientId);
    if (series === undefined) {
      series = { values: new Float64Array(Math.max(16, steps.length)), length: 0 };
      this.byClient.set(clientId, series);
    }
    const needed = series.length + fresh.length;
    if (needed > series.values.length) {
      const grown = new Float64Array(Math.max(needed, 2 * series.values.length));
      grown.set(series.values.subarray(0, series.length));
      series.values = grown;
    }
    series.values.set(fresh, series.length);
    series.length = needed;
    return fresh;
  }

  /** Whether any step of this client has been appended. */
  has(clientId: string): boolean {
    return this.byClient.has(clientId);
  }

  /** Client ids in first-seen order. */
  clients(): string[] {
    return [...this.byClient.keys()];
  }

  /** Number of steps recorded for a client (0 if unknown). */
  length(clientId: string): number {
    return this.byClient.get(clientId)?.length ?? 0;
  }

  /** A copy of the client's series so far. Throws `GRADIP_UNKNOWN_CLIENT` for an unseen client. */
  series(clientId: string): Float64Array {
    const series = this.byClient.get(clientId);
    if (series === undefined) {
      throw new GradipError(
        'GRADIP_UNKNOWN_CLIENT',
        `no steps recorded for client '${clientId}'; append its step records first`,
      );
    }
    return series.values.slice(0, series.length);
  }

  /** Every client's series (copies), keyed by client id. */
  allSeries(): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    for (const id of this.byClient.keys()) out.set(id, this.series(id));
    return out;
  }

  /** Forgets a client's series (e.g. to start a new calibration path). */
  reset(clientId: string): void {
    this.byClient.delete(clientId);
  }
}
