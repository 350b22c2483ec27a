import { readFile } from 'node:fs/promises';
import { type ConfigIssue, formatConfigIssue, MeerkatError } from '@meerkat/trainer';
import { z } from 'zod';
import { comparisonIssues } from './comparisons.js';

const jsonValue: z.ZodType<unknown> = z.unknown();

/** Per-seed metrics a comparison can test (fields of `SeriesResult`). */
export const COMPARISON_METRICS = ['finalAccuracy', 'finalLoss', 'finalPerplexity'] as const;
export type ComparisonMetric = (typeof COMPARISON_METRICS)[number];
/** A dotted run-config path such as `localSteps` or `vp.calibrationSteps`. */
const configPath = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'must be a dotted config path');

export const experimentConfigSchema = z.strictObject({
  /** Names the results directory and the report. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  /** What the experiment tests (the paper's claim), shown in results.md. */
  description: z.string().default(''),
  /** A run config without `runDir` (the runner sets it per cell); relative paths are resolved
   *  against the experiment file's directory. */
  base: z.record(z.string(), jsonValue),
  /** Axes of the grid: config path → the values to try. `seed` gives the repetitions that the
   *  results average over (mean ± std); every other axis names a series. */
  grid: z
    .record(configPath, z.array(jsonValue).min(1))
    .refine((g) => Object.keys(g).length > 0, 'needs at least one axis'),
  /** Per-cell changes, applied in order to every cell whose axis values match `when`
   *  (e.g. more rounds for T = 1, to equalise forward passes). */
  overrides: z
    .array(
      z.strictObject({
        when: z.record(configPath, jsonValue),
        set: z.record(configPath, jsonValue),
      }),
    )
    .default([]),
  /** Cells run at once, each in its own process (the wasm engine is single-threaded). */
  parallel: z.number().int().min(1).max(16).default(1),
  /**
   * Welch's t-tests that results.md reports (a "Comparisons" table). `a` and `b` select series by
   * grid values (axis → value, any axis but `seed`); every series matching `a` is compared with
   * the series that has the same values except for `b`'s. `metric` is averaged over seeds.
   */
  comparisons: z
    .array(
      z.strictObject({
        a: z.record(configPath, jsonValue),
        b: z.record(configPath, jsonValue),
        metric: z.enum(COMPARISON_METRICS),
      }),
    )
    .default([]),
});

export type ExperimentConfig = z.output<typeof experimentConfigSchema>;

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Validates an experiment config object (`MEERKAT_CONFIG_INVALID` with every issue). */
export function parseExperimentConfig(
  input: unknown,
  source = 'experiment config',
): ExperimentConfig {
  const parsed = experimentConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `invalid ${source} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues
        .map((i) => `  ${formatConfigIssue(i)}`)
        .join('\n')}`,
      { issues },
    );
  }
  if ('runDir' in parsed.data.base) {
    const issue = {
      path: 'base.runDir',
      message: 'is set per cell by the experiment runner; remove it',
    };
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `invalid ${source}: ${formatConfigIssue(issue)}`,
      {
        issues: [issue],
      },
    );
  }
  // A comparison that selects no series is refused now, before any cell trains.
  const comparisonProblems = comparisonIssues(parsed.data);
  if (comparisonProblems.length > 0) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `invalid ${source}: comparisons must each select series of the grid (${comparisonProblems.length} problem${comparisonProblems.length === 1 ? '' : 's'}):\n${comparisonProblems
        .map((i) => `  ${formatConfigIssue(i)}`)
        .join('\n')}`,
      { issues: comparisonProblems },
    );
  }
  return parsed.data;
}

/** Reads and validates an experiment JSON file. */
export async function loadExperimentConfig(path: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MeerkatError('MEERKAT_FILE_NOT_FOUND', `cannot read experiment file ${path}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `${path}: not valid JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
  return parseExperimentConfig(json, path);
}
