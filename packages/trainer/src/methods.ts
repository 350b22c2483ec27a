import type { MethodName } from './run-files.js';

/** Which trainable subset a method uses. */
export type MaskKind = 'calibrated' | 'random' | 'magnitude' | 'all';

/** Which round policy a method's coordinator follows. */
export type RoundPolicyKind = 'fixed-steps' | 'virtual-path';

/** How a method's clients train locally. */
export type OptimizerKind = 'zo' | 'sgd';

/** The wiring of one method: mask, local optimiser, detection, default learning rate. */
export interface MethodPreset {
  readonly name: MethodName;
  readonly mask: MaskKind;
  readonly optimizer: OptimizerKind;
  /**
   * The coordinator's round policy (`coordinator/round-policy.ts`): `fixed-steps` (every client
   * takes `localSteps` each round) or `virtual-path` (Meerkat-vp: a GradIP calibration phase,
   * detection, early stopping of flagged clients).
   */
  readonly policy: RoundPolicyKind;
  /**
   * Default learning rate for k trainable values when the config gives none: `min(lrMax, lrBudget / k)`
   * (see `defaultLearningRate` and the README for where each constant comes from).
   */
  readonly lrMax: number;
  readonly lrBudget: number;
  readonly description: string;
}

/**
 * The six methods. Learning rates depend on how many values train, because a ZO step's noise grows
 * with k (‖z‖² ≈ k): the default is `min(lrMax, lrBudget / k)`. Measured (DESIGN.md §6, §7): ZO
 * on a 0.1% mask works at 1e-2 with k = 260 (stories260K; diverges at 3e-2) and k = 15,191
 * (stories15M); full-parameter ZO diverges above ≈ 3e-4 at d = 260K and at 3e-5 at d = 15.2M,
 * where 3e-6 works. So masked methods keep 1e-2 up to k = 15,000 and scale as 150/k beyond;
 * full ZO gets 45/d (1.7e-4 → capped at 1e-4 on stories260K, 3.0e-6 on stories15M), a factor
 * 2–10 below the measured divergence. `fedavg-sgd` is first-order SGD on the same mask (an
 * upper-bound reference); its step does not grow with k.
 */
export const METHOD_PRESETS: Readonly<Record<MethodName, MethodPreset>> = {
  meerkat: {
    name: 'meerkat',
    mask: 'calibrated',
    optimizer: 'zo',
    policy: 'fixed-steps',
    lrMax: 1e-2,
    lrBudget: 150,
    description: 'ZO-SGD on a static sparse mask calibrated on general text; high-frequency sync',
  },
  'meerkat-vp': {
    name: 'meerkat-vp',
    mask: 'calibrated',
    optimizer: 'zo',
    policy: 'virtual-path',
    lrMax: 1e-2,
    lrBudget: 150,
    description:
      'Meerkat + a GradIP calibration phase (long unsynchronised local paths), detection of extreme Non-IID clients, early stopping of the flagged ones',
  },
  'full-zo': {
    name: 'full-zo',
    mask: 'all',
    optimizer: 'zo',
    policy: 'fixed-steps',
    lrMax: 1e-4,
    lrBudget: 45,
    description: 'MeZO-style ZO-SGD on every parameter',
  },
  'random-mask': {
    name: 'random-mask',
    mask: 'random',
    optimizer: 'zo',
    policy: 'fixed-steps',
    lrMax: 1e-2,
    lrBudget: 150,
    description: 'ZO-SGD on a uniformly random mask of the same density',
  },
  'magnitude-mask': {
    name: 'magnitude-mask',
    mask: 'magnitude',
    optimizer: 'zo',
    policy: 'fixed-steps',
    lrMax: 1e-2,
    lrBudget: 150,
    description: 'ZO-SGD on the largest-|w| mask of the same density',
  },
  'fedavg-sgd': {
    name: 'fedavg-sgd',
    mask: 'calibrated',
    optimizer: 'sgd',
    policy: 'fixed-steps',
    lrMax: 1e-1,
    lrBudget: Number.POSITIVE_INFINITY,
    description:
      'first-order FedAvg (local SGD on the classification loss) on the calibrated mask; needs a backend with gradients',
  },
};

export const METHOD_NAMES = Object.keys(METHOD_PRESETS) as readonly MethodName[];

/** The learning rate a run uses: the configured one, else the method's default for k values. */
export function defaultLearningRate(method: MethodName, k: number): number {
  const preset = METHOD_PRESETS[method];
  return Math.min(preset.lrMax, preset.lrBudget / Math.max(1, k));
}
