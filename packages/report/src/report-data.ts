import type { ClientKind, MethodName, RoundMetrics } from '@meerkat/trainer';
import type { RunRecord } from './read-run-dir.js';
import { meanStd } from './stats.js';

/** A run with the series (curve) it belongs to; runs of one series differ only by seed. */
export interface SeriesRun {
  readonly run: RunRecord;
  readonly series: string;
}

export function runMethod(run: RunRecord): MethodName | 'unknown' {
  return run.summary?.method ?? run.metrics[0]?.method ?? 'unknown';
}

function configNumber(run: RunRecord, key: string): number | undefined {
  const config = run.config;
  if (typeof config !== 'object' || config === null) return undefined;
  const value = (config as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

export function runLocalSteps(run: RunRecord): number | undefined {
  return run.summary?.localSteps ?? configNumber(run, 'localSteps');
}

export function runSeed(run: RunRecord): number | undefined {
  return run.summary?.seed ?? configNumber(run, 'seed');
}

/**
 * Groups runs into series: by method, adding `T=<local steps>` when runs of one method differ in
 * it. Runs that would still collide on (series, seed) keep their own name as the series.
 */
export function assignSeries(runs: readonly RunRecord[]): SeriesRun[] {
  const stepsByMethod = new Map<string, Set<number | undefined>>();
  for (const run of runs) {
    const set = stepsByMethod.get(runMethod(run)) ?? new Set();
    set.add(runLocalSteps(run));
    stepsByMethod.set(runMethod(run), set);
  }
  const labels = runs.map((run) => {
    const method = runMethod(run);
    const steps = runLocalSteps(run);
    const split = (stepsByMethod.get(method)?.size ?? 0) > 1 && steps !== undefined;
    return split ? `${method} T=${steps}` : method;
  });
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    const key = `${label}\u0000${runSeed(runs[i] as RunRecord)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  });
  return runs.map((run, i) => {
    const label = labels[i] as string;
    const collides = (seen.get(`${label}\u0000${runSeed(run)}`) ?? 0) > 1;
    return { run, series: collides ? run.name : label };
  });
}

/** One point of a curve: mean ± std over the series' runs at one round. */
export interface CurvePoint {
  readonly series: string;
  readonly round: number;
  readonly accuracy: number | null;
  readonly accuracyLow: number | null;
  readonly accuracyHigh: number | null;
  readonly loss: number | null;
  readonly lossLow: number | null;
  readonly lossHigh: number | null;
  /** Held-out perplexity (causal-lm runs; null otherwise), mean ± std band over seeds. */
  readonly perplexity: number | null;
  readonly perplexityLow: number | null;
  readonly perplexityHigh: number | null;
  readonly cumulativeBytesPerClient: number;
  /** Runs that contributed an accuracy (causal-lm: a perplexity) at this round. */
  readonly runs: number;
}

interface RoundValues {
  accuracy: number[];
  loss: number[];
  perplexity: number[];
  bytes: number[];
}

function band(values: readonly number[]): [number | null, number | null, number | null] {
  if (values.length === 0) return [null, null, null];
  const { mean, std } = meanStd(values);
  return [mean, mean - std, mean + std];
}

/** Accuracy/loss/bytes curves, one per series, averaged over its runs (round 0 = initial model). */
export function seriesCurves(runs: readonly SeriesRun[]): CurvePoint[] {
  const bySeries = new Map<string, Map<number, RoundValues>>();
  const add = (series: string, round: number, m: Partial<RoundMetrics>) => {
    const rounds = bySeries.get(series) ?? new Map<number, RoundValues>();
    bySeries.set(series, rounds);
    const values = rounds.get(round) ?? { accuracy: [], loss: [], perplexity: [], bytes: [] };
    rounds.set(round, values);
    if (typeof m.accuracy === 'number') values.accuracy.push(m.accuracy);
    if (typeof m.loss === 'number') values.loss.push(m.loss);
    if (typeof m.perplexity === 'number') values.perplexity.push(m.perplexity);
    if (typeof m.cumulativeBytesPerClient === 'number') {
      values.bytes.push(m.cumulativeBytesPerClient);
    }
  };
  for (const { run, series } of runs) {
    const initial = run.summary?.initialAccuracy;
    const initialLoss = run.summary?.initialLoss;
    if (typeof initial === 'number' || typeof initialLoss === 'number') {
      add(series, 0, {
        ...(typeof initial === 'number' ? { accuracy: initial } : {}),
        ...(typeof initialLoss === 'number' ? { loss: initialLoss } : {}),
        cumulativeBytesPerClient: 0,
      });
    }
    const initialPerplexity = run.summary?.initialPerplexity;
    if (typeof initialPerplexity === 'number') {
      add(series, 0, { perplexity: initialPerplexity, cumulativeBytesPerClient: 0 });
    }
    for (const m of run.metrics) add(series, m.round, m);
  }
  const points: CurvePoint[] = [];
  for (const [series, rounds] of bySeries) {
    for (const round of [...rounds.keys()].sort((a, b) => a - b)) {
      const v = rounds.get(round) as RoundValues;
      const [accuracy, accuracyLow, accuracyHigh] = band(v.accuracy);
      const [loss, lossLow, lossHigh] = band(v.loss);
      const [perplexity, perplexityLow, perplexityHigh] = band(v.perplexity);
      points.push({
        series,
        round,
        accuracy,
        accuracyLow,
        accuracyHigh,
        loss,
        lossLow,
        lossHigh,
        perplexity,
        perplexityLow,
        perplexityHigh,
        cumulativeBytesPerClient: v.bytes.length === 0 ? 0 : meanStd(v.bytes).mean,
        runs: v.accuracy.length > 0 ? v.accuracy.length : v.perplexity.length,
      });
    }
  }
  return points;
}

/** One GradIP value of one client in one round of one run. */
export interface GradipPoint {
  readonly run: string;
  readonly client: string;
  /** `run/client`, unique across the report (one line each). */
  readonly trace: string;
  readonly kind: ClientKind | 'unknown';
  readonly round: number;
  readonly absGradip: number;
}

/**
 * |GradIP| per client and round, for every run that recorded GradIP and has no per-step series
 * (`gradipStepPoints` draws those); zeros are dropped (log axis).
 */
export function gradipPoints(runs: readonly SeriesRun[]): GradipPoint[] {
  const points: GradipPoint[] = [];
  for (const { run } of runs) {
    if (hasGradipSteps(run)) continue;
    const kinds = new Map(run.summary?.clients.map((c) => [c.id, c.kind]) ?? []);
    for (const m of run.metrics) {
      for (const [client, value] of Object.entries(m.gradip)) {
        const absGradip = Math.abs(value);
        if (!(absGradip > 0) || !Number.isFinite(absGradip)) continue;
        points.push({
          run: run.name,
          client,
          trace: `${run.name}/${client}`,
          kind: kinds.get(client) ?? 'unknown',
          round: m.round,
          absGradip,
        });
      }
    }
  }
  return points;
}

/** Whether the run has gradip.json with at least one client's calibration path. */
export function hasGradipSteps(run: RunRecord): boolean {
  return (run.gradipSteps?.clients.length ?? 0) > 0;
}

/** One step of one client's calibration path in one run (gradip.json). */
export interface GradipStepPoint {
  readonly run: string;
  readonly client: string;
  /** `run/client`, unique across the report (one line each). */
  readonly trace: string;
  readonly kind: ClientKind | 'unknown';
  /** The detector's verdict on the client. */
  readonly verdict: 'flagged' | 'not flagged';
  /** Local step of the calibration path, 1-based. */
  readonly step: number;
  readonly gradip: number;
  readonly absGradip: number;
}

/**
 * |GradIP| per local step of every client's calibration path, for runs with gradip.json; zeros
 * are dropped (log axis).
 */
export function gradipStepPoints(runs: readonly SeriesRun[]): GradipStepPoint[] {
  const points: GradipStepPoint[] = [];
  for (const { run } of runs) {
    for (const c of run.gradipSteps?.clients ?? []) {
      c.gradip.forEach((gradip, t) => {
        const absGradip = Math.abs(gradip);
        if (!(absGradip > 0) || !Number.isFinite(absGradip)) return;
        points.push({
          run: run.name,
          client: c.clientId,
          trace: `${run.name}/${c.clientId}`,
          kind: c.kind ?? 'unknown',
          verdict: c.flagged ? 'flagged' : 'not flagged',
          step: t + 1,
          gradip,
          absGradip,
        });
      });
    }
  }
  return points;
}

/** A detector window drawn behind the per-step chart: steps `from` … `to` (1-based, inclusive). */
export interface StepWindowBand {
  readonly window: 'initial window' | 'later window';
  readonly from: number;
  readonly to: number;
}

/** The distinct detector windows of the runs' calibration paths (one band each, 1-based steps). */
export function gradipWindowBands(runs: readonly SeriesRun[]): StepWindowBand[] {
  const seen = new Map<string, StepWindowBand>();
  for (const { run } of runs) {
    for (const c of run.gradipSteps?.clients ?? []) {
      for (const [window, w] of [
        ['initial window', c.initialWindow],
        ['later window', c.laterWindow],
      ] as const) {
        const band = { window, from: w.start + 1, to: w.end };
        seen.set(`${window}:${band.from}:${band.to}`, band);
      }
    }
  }
  return [...seen.values()];
}

/**
 * The reference lines of classification runs: the zero-shot model (round 0) and, from
 * summary.json `references`, the majority rate (accuracy chart) and the class prior's loss (loss
 * chart). Each is drawn only when every run agrees on it (the same model and evaluated examples).
 */
export function referenceLines(runs: readonly RunRecord[]): {
  accuracy: { label: string; value: number }[];
  loss: { label: string; value: number }[];
} {
  const shared = <T>(values: readonly (T | null | undefined)[]): T | undefined => {
    const first = values[0];
    if (first === null || first === undefined) return undefined;
    return values.every((v) => v === first) ? first : undefined;
  };
  const summaries = runs.map((r) => r.summary);
  const prior = shared(summaries.map((s) => s?.references?.priorLoss));
  const majority = shared(summaries.map((s) => s?.references?.majorityAccuracy));
  const label = summaries[0]?.references?.majorityLabel;
  const zeroShot = shared(summaries.map((s) => s?.initialAccuracy));
  const zeroShotLoss = shared(summaries.map((s) => s?.initialLoss));
  const accuracy: { label: string; value: number }[] = [];
  const loss: { label: string; value: number }[] = [];
  if (majority !== undefined)
    accuracy.push({ label: `majority class (${label})`, value: majority });
  if (zeroShot !== undefined && majority !== undefined)
    accuracy.push({ label: 'zero-shot', value: zeroShot });
  if (prior !== undefined) loss.push({ label: 'class prior', value: prior });
  if (zeroShotLoss !== undefined && prior !== undefined)
    loss.push({ label: 'zero-shot', value: zeroShotLoss });
  return { accuracy, loss };
}
