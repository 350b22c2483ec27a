import type { ExperimentConfig } from './experiment-config.js';

/** One cell of an experiment grid: a full run config (without runDir) and where it belongs. */
export interface ExperimentCell {
  /** File-system-safe, unique within the experiment, e.g. `method-meerkat_localSteps-10_seed-1`. */
  readonly id: string;
  /** The series the cell belongs to: its axis values except `seed`, e.g. `meerkat T=10`. */
  readonly series: string;
  /** The cell's value on every axis. */
  readonly axes: Readonly<Record<string, unknown>>;
  /** The base config with the axis values and matching overrides applied. */
  readonly config: Readonly<Record<string, unknown>>;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Sets `obj[a][b]…` for the dotted path `a.b…`, creating objects on the way. */
export function setConfigPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = obj;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1] as string] = clone(value);
}

/** The value at a dotted path, or undefined. */
export function getConfigPath(obj: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const AXIS_LABELS: Readonly<Record<string, string>> = { localSteps: 'T', rounds: 'R' };

/** `meerkat T=10` from the axes (method first and bare, `seed` left out). */
export function seriesLabel(axes: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if ('method' in axes) parts.push(valueText(axes.method));
  for (const [key, value] of Object.entries(axes)) {
    if (key === 'method' || key === 'seed') continue;
    parts.push(`${AXIS_LABELS[key] ?? key}=${valueText(value)}`);
  }
  return parts.length === 0 ? 'all' : parts.join(' ');
}

function cellId(axes: Readonly<Record<string, unknown>>): string {
  return Object.entries(axes)
    .map(([key, value]) => `${key}-${valueText(value)}`.replace(/[^A-Za-z0-9.=-]+/g, '_'))
    .join('_');
}

/**
 * Every combination of the grid's axes (the first axis varies slowest), each with the base
 * config, its axis values and, in order, the overrides whose `when` matches the cell's config
 * (base + axes; overrides do not trigger each other).
 */
export function expandGrid(experiment: ExperimentConfig): ExperimentCell[] {
  const axes = Object.entries(experiment.grid);
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos.map((combo) => {
    const config = clone(experiment.base) as Record<string, unknown>;
    for (const [key, value] of Object.entries(combo)) setConfigPath(config, key, value);
    const beforeOverrides = clone(config);
    for (const override of experiment.overrides) {
      const matches = Object.entries(override.when).every(([key, value]) =>
        sameValue(getConfigPath(beforeOverrides, key), value),
      );
      if (!matches) continue;
      for (const [key, value] of Object.entries(override.set)) setConfigPath(config, key, value);
    }
    return { id: cellId(combo), series: seriesLabel(combo), axes: combo, config };
  });
}
