import { scoreDetection } from '@meerkat/gradip';
import type { RunConfig } from './config/parse-run-config.js';
import type { ClientInfo, CoordinatorEvent } from './coordinator/coordinator.js';
import { gradipStepsFile } from './coordinator/gradip-steps.js';
import type { PolicyDetection } from './coordinator/round-policy.js';
import { encodeTrainerCheckpoint } from './coordinator/trainer-checkpoint.js';
import type { DetectionEvent, TrainerEvent } from './events.js';
import type { RunDirectory } from './run-dir.js';
import type { DetectionSummary, RunSummary } from './run-files.js';

/**
 * Records a run as its coordinator reports it: appends each round's metrics line, writes the
 * checkpoint of each clean round and RUN_DIR/gradip.json, and scores the detector's verdicts
 * against the partition's client kinds (which a simulation, or a coordinator that dealt the
 * data itself, knows; the coordinator's loop never sees them). Turns the coordinator's events
 * into the trainer's public events.
 */
export class RunRecorder {
  private detection: DetectionSummary | undefined;

  constructor(
    private readonly config: RunConfig,
    private readonly runDir: RunDirectory,
    private readonly clients: readonly ClientInfo[],
    /** The scored detection a resumed run's checkpoint holds. */
    restoredDetection?: unknown,
  ) {
    this.detection = (restoredDetection ?? undefined) as DetectionSummary | undefined;
  }

  /** Writes what `event` says should be kept, and returns the event the trainer yields. */
  record(event: CoordinatorEvent): TrainerEvent {
    switch (event.type) {
      case 'round-end':
        this.runDir.appendMetrics(event.metrics);
        return event;
      case 'detection-verdicts':
        return this.scored(event.round, event.detection);
      case 'checkpoint-due': {
        const state = { ...event.state, detection: this.detection ?? null };
        const bytes = encodeTrainerCheckpoint(state, event.aggregator);
        this.runDir.writeCheckpoint(bytes);
        return {
          type: 'checkpoint',
          round: event.round,
          path: this.runDir.path('checkpoint'),
          bytes: bytes.length,
        };
      }
      default:
        return event;
    }
  }

  /** The coordinator's summary with the scored detection (Meerkat-vp runs). */
  summary(summary: RunSummary): RunSummary {
    if (this.detection === undefined) return summary;
    // Keep summary.json's key order: the detection comes right before `seconds`.
    const { seconds, startedAt, finishedAt, ...head } = summary;
    return { ...head, detection: this.detection, seconds, startedAt, finishedAt };
  }

  private scored(round: number, { detections, series }: PolicyDetection): DetectionEvent {
    // RUN_DIR/gradip.json: the per-step series behind the verdicts (the metrics keep a mean per round).
    this.runDir.writeJson(
      'gradip',
      gradipStepsFile({ config: this.config, round, clients: this.clients, series, detections }),
    );
    const truth = new Map(this.clients.map((c) => [c.id, c.kind === 'extreme']));
    const flags = new Map(detections.map((d) => [d.clientId, d.flagged]));
    const score = scoreDetection(flags, truth);
    const { truePositives, falsePositives, trueNegatives, falseNegatives } = score.confusion;
    this.detection = {
      truePositives,
      falsePositives,
      trueNegatives,
      falseNegatives,
      precision: Number.isNaN(score.precision) ? null : score.precision,
      recall: Number.isNaN(score.recall) ? null : score.recall,
    };
    const kinds = new Map(this.clients.map((c) => [c.id, c.kind]));
    return {
      type: 'detection',
      round,
      clients: detections.map((d) => ({
        clientId: d.clientId,
        flagged: d.flagged,
        truth: kinds.get(d.clientId)!,
        rhoLater: d.features.rhoLater,
        rhoQuiet: d.features.rhoQuiet,
        reason: d.reason,
      })),
      precision: this.detection.precision,
      recall: this.detection.recall,
    };
  }
}
