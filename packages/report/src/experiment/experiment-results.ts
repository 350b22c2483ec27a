import type { ClientKind } from '@meerkat/trainer';
import type { RunRecord } from '../read-run-dir.js';
import { type MeanStd, meanStd } from '../stats.js';
import type { ExperimentCell } from './expand-grid.js';

/** Per-client detector features of a Meerkat-vp run (RUN_DIR/detection.json). */
export interface ClientDetection {
  readonly clientId: string;
  readonly truth: ClientKind;
  readonly flagged: boolean;
  readonly rhoLater: number;
  readonly rhoQuiet: number;
}

/** What one finished cell contributes. */
export interface CellResult {
  readonly cell: ExperimentCell;
  readonly run: RunRecord;
  readonly detection: readonly ClientDetection[] | null;
}

export interface DetectionStats {
  readonly precision: MeanStd;
  readonly recall: MeanStd;
  /** Confusion counts summed over the series' runs. */
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
  /** ρ_later and ρ_quiet over every client of that kind in every run of the series. */
  readonly byKind: Readonly<
    Partial<Record<ClientKind, { readonly rhoLater: MeanStd; readonly rhoQuiet: MeanStd }>>
  >;
}

/** One row of the results table: a series, averaged over its seeds. */
export interface SeriesResult {
  readonly series: string;
  /** Axis values shared by the series' cells (every axis but `seed`). */
  readonly axes: Readonly<Record<string, unknown>>;
  readonly seeds: readonly unknown[];
  readonly finalAccuracy: MeanStd;
  readonly finalLoss: MeanStd;
  readonly initialAccuracy: MeanStd;
  /** Held-out perplexity before and after training (causal-lm cells; n = 0 otherwise). */
  readonly initialPerplexity: MeanStd;
  readonly finalPerplexity: MeanStd;
  /** Uplink + downlink bytes per client over the whole run. */
  readonly bytesPerClient: MeanStd;
  readonly bytesUpPerClient: MeanStd;
  readonly forwardPasses: MeanStd;
  /** Forward passes per client (total ÷ clients). */
  readonly forwardPassesPerClient: MeanStd;
  readonly seconds: MeanStd;
  /** Rounds and local steps of the series' runs (min and max: overrides may differ by seed). */
  readonly rounds: readonly [number, number] | null;
  readonly localSteps: readonly [number, number] | null;
  readonly detection: DetectionStats | null;
}

function stat(values: readonly (number | null | undefined)[]): MeanStd {
  return meanStd(values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v)));
}

function range(values: readonly (number | undefined)[]): [number, number] | null {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length === 0 ? null : [Math.min(...present), Math.max(...present)];
}

function detectionStats(cells: readonly CellResult[]): DetectionStats | null {
  const withDetection = cells.filter((c) => c.run.summary?.detection !== undefined);
  if (withDetection.length === 0) return null;
  const d = withDetection.map((c) => c.run.summary?.detection).filter((x) => x !== undefined);
  const sum = (key: 'truePositives' | 'falsePositives' | 'falseNegatives' | 'trueNegatives') =>
    d.reduce((s, x) => s + x[key], 0);
  const byKind: Partial<Record<ClientKind, { rhoLater: MeanStd; rhoQuiet: MeanStd }>> = {};
  for (const kind of ['extreme', 'normal'] as const) {
    const clients = cells.flatMap((c) => c.detection ?? []).filter((x) => x.truth === kind);
    if (clients.length === 0) continue;
    byKind[kind] = {
      rhoLater: stat(clients.map((x) => x.rhoLater)),
      rhoQuiet: stat(clients.map((x) => x.rhoQuiet)),
    };
  }
  return {
    precision: stat(d.map((x) => x.precision)),
    recall: stat(d.map((x) => x.recall)),
    truePositives: sum('truePositives'),
    falsePositives: sum('falsePositives'),
    falseNegatives: sum('falseNegatives'),
    trueNegatives: sum('trueNegatives'),
    byKind,
  };
}

/** Groups finished cells into series and averages each metric over seeds (mean ± sample std). */
export function summariseSeries(cells: readonly CellResult[]): SeriesResult[] {
  const order: string[] = [];
  const bySeries = new Map<string, CellResult[]>();
  for (const c of cells) {
    if (!bySeries.has(c.cell.series)) order.push(c.cell.series);
    bySeries.set(c.cell.series, [...(bySeries.get(c.cell.series) ?? []), c]);
  }
  return order.map((series) => {
    const group = bySeries.get(series) as CellResult[];
    const summaries = group.map((c) => c.run.summary);
    const axes = Object.fromEntries(
      Object.entries(group[0]?.cell.axes ?? {}).filter(([key]) => key !== 'seed'),
    );
    const clients = (i: number) => summaries[i]?.clients.length ?? 0;
    return {
      series,
      axes,
      seeds: group.map((c) => c.cell.axes.seed ?? c.run.summary?.seed),
      finalAccuracy: stat(summaries.map((s) => s?.finalAccuracy)),
      finalLoss: stat(summaries.map((s) => s?.finalLoss)),
      initialAccuracy: stat(summaries.map((s) => s?.initialAccuracy)),
      initialPerplexity: stat(summaries.map((s) => s?.initialPerplexity)),
      finalPerplexity: stat(summaries.map((s) => s?.finalPerplexity)),
      bytesPerClient: stat(
        summaries.map((s) =>
          s === null ? null : s.totalBytesUpPerClient + s.totalBytesDownPerClient,
        ),
      ),
      bytesUpPerClient: stat(summaries.map((s) => s?.totalBytesUpPerClient)),
      forwardPasses: stat(summaries.map((s) => s?.totalForwardPasses)),
      forwardPassesPerClient: stat(
        summaries.map((s, i) =>
          s === null || clients(i) === 0 ? null : s.totalForwardPasses / clients(i),
        ),
      ),
      seconds: stat(summaries.map((s) => s?.seconds)),
      rounds: range(summaries.map((s) => s?.rounds)),
      localSteps: range(summaries.map((s) => s?.localSteps)),
      detection: detectionStats(group),
    };
  });
}
