import type { RunConfig } from '../config/parse-run-config.js';
import { METHOD_PRESETS } from '../methods.js';
import { FixedStepsPolicy } from './fixed-steps-policy.js';
import { GradipTracker } from './gradip-tracker.js';
import type { PolicyState, RoundPolicy } from './round-policy.js';
import { VirtualPathPolicy } from './virtual-path-policy.js';

/** The round policy of `config.method` (its preset's `policy`), restored from a checkpoint when given. */
export function createRoundPolicy(options: {
  readonly config: RunConfig;
  readonly clients: readonly { readonly id: string; readonly numSamples: number }[];
  readonly dataSeed: bigint;
  /** ḡ_pre at the mask, for GradIP; null without one. */
  readonly gPre: Float32Array | null;
  readonly restored?: PolicyState;
}): RoundPolicy {
  const { config } = options;
  const gradip = new GradipTracker(
    options.gPre,
    config.directions,
    options.restored?.calibrationSeries,
  );
  switch (METHOD_PRESETS[config.method].policy) {
    case 'virtual-path':
      return new VirtualPathPolicy(
        config,
        options.clients,
        options.dataSeed,
        gradip,
        options.restored,
      );
    case 'fixed-steps':
      return new FixedStepsPolicy(config.localSteps, gradip);
  }
}
