import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DetectionEvent } from '@meerkat/trainer';
import {
  type GradipSteps,
  MeerkatError,
  type RoundMetrics,
  RUN_FILES,
  type RunSummary,
} from '@meerkat/trainer';

/**
 * RUN_DIR/detection.json: Meerkat-vp's detector verdict with each client's ρ_later and ρ_quiet
 * (the trainer's `detection` event as JSON). `meerkat train` writes it; other runs lack it.
 */
export const DETECTION_FILE = 'detection.json';

/** One run directory as the report and the experiment runner read it. */
export interface RunRecord {
  /** Absolute path of the run directory. */
  readonly dir: string;
  /** summary.json's `name`, or the directory's basename for a run that has not finished. */
  readonly name: string;
  /** config.json as written (null when the file is absent). */
  readonly config: unknown;
  readonly metrics: readonly RoundMetrics[];
  /** null while the run has not finished (no summary.json yet). */
  readonly summary: RunSummary | null;
  /** detection.json, or null when the run has none. */
  readonly detection: Omit<DetectionEvent, 'type'> | null;
  /**
   * gradip.json: Meerkat-vp's per-step GradIP of each client's calibration path; null or absent
   * for runs without one (other methods, runs from before it was written, a detector not yet run).
   */
  readonly gradipSteps?: GradipSteps | null;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseJson(path: string, text: string, where = ''): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${path}${where}: not valid JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRoundMetrics(value: unknown, path: string, line: number): RoundMetrics {
  const where = `${path}:${line}`;
  if (!isRecord(value)) {
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${where}: expected a RoundMetrics object`);
  }
  const numbers = ['round', 'bytesUpPerClient', 'bytesDownPerClient', 'cumulativeBytesPerClient'];
  for (const key of numbers) {
    if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: field '${key}' must be a finite number (got ${JSON.stringify(value[key])})`,
      );
    }
  }
  for (const key of ['accuracy', 'loss', 'perplexity']) {
    // perplexity: causal-lm runs only (absent otherwise).
    if (key === 'perplexity' && value[key] === undefined) continue;
    if (value[key] !== null && typeof value[key] !== 'number') {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: field '${key}' must be a number or null (got ${JSON.stringify(value[key])})`,
      );
    }
  }
  if (typeof value.method !== 'string') {
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${where}: field 'method' must be a string`);
  }
  if (!isRecord(value.gradip) || !Array.isArray(value.flagged)) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${where}: fields 'gradip' (object) and 'flagged' (array) are required`,
    );
  }
  return value as unknown as RoundMetrics;
}

function checkGradipSteps(value: unknown, path: string): GradipSteps {
  const bad = (why: string) => new MeerkatError('MEERKAT_DATA_INVALID', `${path}: ${why}`);
  if (!isRecord(value) || value.version !== 1 || !Array.isArray(value.clients)) {
    throw bad("expected a GradipSteps object with 'version': 1 and 'clients'");
  }
  value.clients.forEach((c: unknown, i: number) => {
    const window = (w: unknown) =>
      isRecord(w) && Number.isInteger(w.start) && Number.isInteger(w.end);
    if (
      !isRecord(c) ||
      typeof c.clientId !== 'string' ||
      !Array.isArray(c.gradip) ||
      !c.gradip.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !window(c.initialWindow) ||
      !window(c.laterWindow) ||
      typeof c.flagged !== 'boolean'
    ) {
      throw bad(
        `clients[${i}] needs 'clientId', 'gradip' (finite numbers), 'initialWindow' and 'laterWindow' ({ start, end }) and 'flagged'`,
      );
    }
  });
  return value as unknown as GradipSteps;
}

function checkSummary(value: unknown, path: string): RunSummary {
  if (!isRecord(value) || typeof value.method !== 'string' || !Array.isArray(value.clients)) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `${path}: expected a RunSummary object with 'method' and 'clients'`,
    );
  }
  return value as unknown as RunSummary;
}

/**
 * Reads RUN_DIR/{metrics.jsonl, summary.json, config.json, detection.json, gradip.json}. A directory without metrics.jsonl is
 * not a run directory (`MEERKAT_FILE_NOT_FOUND`); a malformed line names the file and line number.
 */
export async function readRunDir(dir: string): Promise<RunRecord> {
  const abs = resolve(dir);
  const metricsPath = join(abs, RUN_FILES.metrics);
  const metricsText = await readOptional(metricsPath);
  if (metricsText === null) {
    throw new MeerkatError(
      'MEERKAT_FILE_NOT_FOUND',
      `${abs} is not a run directory: ${RUN_FILES.metrics} is missing (run 'meerkat train' first)`,
    );
  }
  const metrics: RoundMetrics[] = [];
  metricsText.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    metrics.push(checkRoundMetrics(parseJson(metricsPath, line, `:${i + 1}`), metricsPath, i + 1));
  });
  const summaryPath = join(abs, RUN_FILES.summary);
  const summaryText = await readOptional(summaryPath);
  const summary =
    summaryText === null ? null : checkSummary(parseJson(summaryPath, summaryText), summaryPath);
  const configPath = join(abs, RUN_FILES.config);
  const configText = await readOptional(configPath);
  const config = configText === null ? null : parseJson(configPath, configText);
  const detectionPath = join(abs, DETECTION_FILE);
  const detectionText = await readOptional(detectionPath);
  const detection =
    detectionText === null
      ? null
      : (parseJson(detectionPath, detectionText) as Omit<DetectionEvent, 'type'>);
  const gradipPath = join(abs, RUN_FILES.gradip);
  const gradipText = await readOptional(gradipPath);
  const gradipSteps =
    gradipText === null ? null : checkGradipSteps(parseJson(gradipPath, gradipText), gradipPath);
  return {
    dir: abs,
    name: summary?.name ?? basename(abs),
    config,
    metrics,
    summary,
    detection,
    gradipSteps,
  };
}
