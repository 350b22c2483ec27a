import type { UpdateMessage } from '../protocol/messages.js';
import type { GradipTracker } from './gradip-tracker.js';
import type { PolicyState, RoundPolicy } from './round-policy.js';

/**
 * Meerkat, full-parameter ZO and the baselines: every client takes `localSteps` steps every
 * round; GradIP is tracked for the metrics when the mask has ḡ_pre; nobody is ever flagged.
 */
export class FixedStepsPolicy implements RoundPolicy {
  readonly phase = 'training' as const;
  readonly flagged: readonly string[] = [];

  constructor(
    private readonly localStepsPerRound: number,
    private readonly gradip: GradipTracker,
  ) {}

  localSteps(): number {
    return this.localStepsPerRound;
  }

  onUpdate(update: UpdateMessage, seeds: readonly bigint[]): number | null {
    return this.gradip.track(update, seeds, false);
  }

  onRoundClosed(): null {
    return null;
  }

  state(): PolicyState {
    return { policy: null, calibrationSeries: this.gradip.toJSON(), flagged: [] };
  }
}
