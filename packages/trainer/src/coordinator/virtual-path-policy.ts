import { type Detection, detectExtremeClients, EarlyStoppingPolicy } from '@meerkat/gradip';
import type { RunConfig } from '../config/parse-run-config.js';
import type { UpdateMessage } from '../protocol/messages.js';
import { detectorWindows } from './gradip-steps.js';
import type { GradipTracker } from './gradip-tracker.js';
import type { PolicyDetection, PolicyState, RoundPolicy } from './round-policy.js';

/**
 * Meerkat-vp: `vp.calibrationRounds` rounds of long unsynchronised local paths
 * (`vp.calibrationSteps` steps) whose GradIP series the detector reads; then ordinary rounds in
 * which the flagged (extreme Non-IID) clients take `vp.flaggedSteps` steps (early stopping).
 */
export class VirtualPathPolicy implements RoundPolicy {
  private readonly schedule: EarlyStoppingPolicy;
  private flaggedClients: string[];

  constructor(
    private readonly config: RunConfig,
    clients: readonly { readonly id: string; readonly numSamples: number }[],
    dataSeed: bigint,
    private readonly gradip: GradipTracker,
    restored?: PolicyState,
  ) {
    this.schedule =
      restored?.policy !== undefined && restored.policy !== null
        ? EarlyStoppingPolicy.fromJSON(
            restored.policy as Parameters<typeof EarlyStoppingPolicy.fromJSON>[0],
          )
        : new EarlyStoppingPolicy({
            clients: Object.fromEntries(clients.map((c) => [c.id, c.numSamples])),
            dataSeed,
            calibrationRounds: config.vp.calibrationRounds,
            calibrationSteps: config.vp.calibrationSteps,
            localSteps: config.localSteps,
            flaggedSteps: config.vp.flaggedSteps,
          });
    this.flaggedClients = [...(restored?.flagged ?? [])];
  }

  get phase(): 'calibration' | 'training' {
    return this.schedule.phase === 'calibration' ? 'calibration' : 'training';
  }

  get flagged(): readonly string[] {
    return this.flaggedClients;
  }

  localSteps(clientId: string): number {
    return this.schedule.localSteps(clientId);
  }

  onUpdate(update: UpdateMessage, seeds: readonly bigint[]): number | null {
    return this.gradip.track(update, seeds, this.phase === 'calibration');
  }

  onRoundClosed(): PolicyDetection | null {
    const calibrating = this.phase === 'calibration';
    this.schedule.endRound();
    if (!calibrating || this.phase === 'calibration') return null;
    const { detector } = this.config.vp;
    const series = this.gradip.series();
    const detections: Detection[] = detectExtremeClients(series, {
      ...detectorWindows(this.config),
      sigmaRel: detector.sigmaRel,
      tauLater: detector.tauLater,
      tauQuiet: detector.tauQuiet,
      combine: detector.combine,
    });
    this.schedule.applyDetection(detections);
    this.flaggedClients = this.schedule.flaggedClients().slice().sort();
    return { detections, series };
  }

  state(): PolicyState {
    return {
      policy: this.schedule.toJSON(),
      calibrationSeries: this.gradip.toJSON(),
      flagged: this.flaggedClients,
    };
  }
}
