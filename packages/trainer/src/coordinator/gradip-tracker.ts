import { gradipSeries } from '@meerkat/gradip';
import type { StepRecord } from '@meerkat/zo-estimator';
import type { UpdateMessage } from '../protocol/messages.js';

/**
 * GradIP of uploaded steps (DESIGN.md §2): the coordinator knows every step's seed and the
 * uploaded g, so it rebuilds ⟨ḡ_pre, ĝ_t⟩ / ‖ḡ_pre‖ without seeing any data. Keeps each client's
 * per-step series while `record` is on (Meerkat-vp's calibration path).
 */
export class GradipTracker {
  private readonly seriesByClient = new Map<string, number[]>();

  /** `gPre`: ḡ_pre at the mask (the calibrated mask's gradMean); null tracks nothing. */
  constructor(
    private readonly gPre: Float32Array | null,
    private readonly directions: number,
    restored: Readonly<Record<string, readonly number[]>> = {},
  ) {
    for (const [id, s] of Object.entries(restored)) this.seriesByClient.set(id, [...s]);
  }

  /** Mean |GradIP| of an update's steps (null without ḡ_pre or steps); `record` keeps the series. */
  track(u: UpdateMessage, seeds: readonly bigint[], record: boolean): number | null {
    if (this.gPre === null || u.g.length === 0) return null;
    const d = this.directions;
    const records: StepRecord[] = seeds.map((seed, t) => {
      const gs = u.g.subarray(t * d, (t + 1) * d);
      return d === 1 ? { seed, g: gs[0]! } : { seed, g: mean(gs), gs: Array.from(gs) };
    });
    const series = gradipSeries(records, this.gPre, { directions: d });
    if (record) {
      const list = this.seriesByClient.get(u.clientId) ?? [];
      list.push(...series);
      this.seriesByClient.set(u.clientId, list);
    }
    return series.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, series.length);
  }

  /** The recorded series, as the detector reads them. */
  series(): Map<string, Float64Array> {
    return new Map([...this.seriesByClient].map(([id, s]) => [id, Float64Array.from(s)]));
  }

  /** The recorded series, as a checkpoint stores them. */
  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.seriesByClient);
  }
}

function mean(values: Float64Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
