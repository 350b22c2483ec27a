/**
 * `@meerkat/report`: what a Meerkat run directory says, drawn and tabulated. `writeReport` turns
 * run directories into one HTML page of vega-lite charts rendered to SVG; `runExperiment` runs a
 * grid of run configs and writes its result tables, with Welch comparisons between series.
 */
export {
  buildReport,
  type ReportContent,
  type ReportOptions,
  writeReport,
} from './build-report.js';
export {
  type ComparisonPair,
  type ComparisonResult,
  type ComparisonSpec,
  compareSeries,
  comparisonPairs,
} from './experiment/comparisons.js';
export { type ExperimentCell, expandGrid, seriesLabel } from './experiment/expand-grid.js';
export {
  COMPARISON_METRICS,
  type ComparisonMetric,
  type ExperimentConfig,
  experimentConfigSchema,
  loadExperimentConfig,
  parseExperimentConfig,
} from './experiment/experiment-config.js';
export {
  type CellResult,
  type SeriesResult,
  summariseSeries,
} from './experiment/experiment-results.js';
export { type ResultsMarkdownInput, resultsMarkdown } from './experiment/results-markdown.js';
export {
  type CellEvent,
  type CellRunner,
  cellStartedBefore,
  type ExperimentOutcome,
  type RunExperimentOptions,
  runExperiment,
} from './experiment/run-experiment.js';
export { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';
export { DETECTION_FILE, type RunRecord, readRunDir } from './read-run-dir.js';
export { type MeanStd, meanStd, type WelchTest, welchTTest } from './stats.js';
