import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DETECTION_FILE, formatBytes, formatNumber, formatPercent } from '@meerkat/report';
import type { DetectionEvent, Meerkat, RunSummary, SetupEvent } from '@meerkat/trainer';
import type { ProgressReporter } from './progress.js';

/** What a driven run ends with: the summary and what the setup and detector reported. */
export interface DrivenRun {
  readonly summary: RunSummary;
  readonly setup: SetupEvent | null;
  readonly detection: DetectionEvent | null;
}

/** One line describing the run's setup (backend, mask, clients by kind, mask energy). */
export function describeSetup(e: SetupEvent): string {
  const extreme = e.clients.filter((c) => c.kind === 'extreme').map((c) => c.id);
  const parts = [
    `backend ${e.backend} (${e.backendReason})`,
    ...(e.gradientBackend === null ? [] : [e.gradientBackend]),
    `mask ${e.maskSource}: k = ${e.k} of d = ${e.d} (${formatPercent(e.k / e.d)})`,
    `${e.clients.length} clients (extreme: ${extreme.length === 0 ? 'none' : extreme.join(', ')})`,
  ];
  if (e.maskEnergy !== null) {
    parts.push(
      `mask holds ${formatPercent(e.maskEnergy.fraction)} of the task gradient's squared norm, ${e.maskEnergy.ratioToRandom.toFixed(0)}× a random mask of the same size`,
    );
  }
  if (e.resumed) parts.push(`resumed after round ${e.startRound}`);
  return parts.join('; ');
}

/** One line with the detector's verdict per client and its precision/recall. */
export function describeDetection(e: DetectionEvent): string {
  const flagged = e.clients.filter((c) => c.flagged).map((c) => c.clientId);
  const extreme = e.clients.filter((c) => c.truth === 'extreme').map((c) => c.clientId);
  return (
    `GradIP detector after round ${e.round}: flagged ${flagged.length === 0 ? 'none' : flagged.join(', ')}; ` +
    `truly extreme ${extreme.length === 0 ? 'none' : extreme.join(', ')}; ` +
    `precision ${formatPercent(e.precision)}, recall ${formatPercent(e.recall)}`
  );
}

/**
 * Runs a trainer to the end, reporting progress (setup line, one update per round, detector
 * verdict) and writing RUN_DIR/detection.json (the detector's per-client ρ_later / ρ_quiet, which
 * the experiment runner tabulates) when Meerkat-vp's detector ran.
 */
export async function driveTraining(
  trainer: Meerkat,
  progress: ProgressReporter | null,
): Promise<DrivenRun> {
  const totalRounds = trainer.config.rounds;
  let setup: SetupEvent | null = null;
  let detection: DetectionEvent | null = null;
  let summary: RunSummary | null = null;
  for await (const event of trainer.run()) {
    switch (event.type) {
      case 'setup':
        setup = event;
        progress?.log(describeSetup(event));
        break;
      case 'detection':
        detection = event;
        await writeFile(
          join(trainer.config.runDir, DETECTION_FILE),
          `${JSON.stringify({ round: event.round, clients: event.clients, precision: event.precision, recall: event.recall }, null, 2)}\n`,
        );
        progress?.log(describeDetection(event));
        break;
      case 'round-end': {
        const m = event.metrics;
        progress?.update({
          round: m.round,
          totalRounds,
          accuracy: m.accuracy,
          loss: m.loss,
          ...(m.perplexity === undefined ? {} : { perplexity: m.perplexity }),
          cumulativeBytesPerClient: m.cumulativeBytesPerClient,
          phase: m.phase,
          ...(m.flagged.length > 0 ? { note: `flagged ${m.flagged.join(',')}` } : {}),
        });
        break;
      }
      case 'done':
        summary = event.summary;
        break;
      default:
        break;
    }
  }
  progress?.finish();
  if (summary === null) throw new Error('the trainer ended without a summary');
  return { summary, setup, detection };
}

/** A few lines summarising a finished run (stdout of `meerkat train`). */
export function describeSummary(s: RunSummary, runDir: string): string {
  const lines = [
    `run ${s.name} (${s.method}, seed ${s.seed}): ${s.rounds} rounds × ${s.localSteps} local steps, ${s.clients.length} clients`,
    s.finalPerplexity === undefined
      ? `accuracy ${formatPercent(s.initialAccuracy)} → ${formatPercent(s.finalAccuracy)}, final loss ${s.finalLoss === null ? '–' : s.finalLoss.toFixed(4)}`
      : `held-out perplexity ${formatNumber(s.initialPerplexity)} → ${formatNumber(s.finalPerplexity)}, final loss ${s.finalLoss === null ? '–' : s.finalLoss.toFixed(4)} (mean next-token NLL)`,
    `communication per client: ${formatBytes(s.totalBytesUpPerClient)} up, ${formatBytes(s.totalBytesDownPerClient)} down; ${s.totalForwardPasses} forward passes; ${s.seconds.toFixed(1)} s`,
  ];
  if (s.detection !== undefined) {
    lines.push(
      `detection: precision ${formatPercent(s.detection.precision)}, recall ${formatPercent(s.detection.recall)} (TP ${s.detection.truePositives}, FP ${s.detection.falsePositives}, FN ${s.detection.falseNegatives}, TN ${s.detection.trueNegatives})`,
    );
  }
  lines.push(`run directory: ${runDir}`);
  return `${lines.join('\n')}\n`;
}
