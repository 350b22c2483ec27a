import type { MethodName } from './run-files.js';

/** Which trainable subset a method uses. */
export type MaskKind = 'calibrated' | 'random' | 'magnitude' | 'all';

/** How a method's clients train locally. */
export type OptimizerKind = 'zo' | 'sgd';

/** The wiring of one method: mask, local optimiser, detection, default learning rate. */
export interface MethodPreset {
  readonly name: MethodName;
  readonly mask: MaskKind;
  readonly optimizer: OptimizerKind;
  /** Meerkat-vp: a GradIP calibration phase, detection, early stopping of flagged clients. */
  readonly detection: boolean;
  /** Default learning rate when the config gives none (see the README for where each comes from). */
  readonly lr: number;
  readonly description: string;
}

/**
 * The six methods. Learning rates: DESIGN.md §6 measured ZO on stories260K diverging above
 * lr ≈ 3e-2 with a 0.1% mask and above ≈ 3e-4 with every parameter trainable; the defaults sit a
 * factor 3 below. `fedavg-sgd` is first-order SGD on the same mask (an upper-bound reference).
 */
export const METHOD_PRESETS: Readonly<Record<MethodName, MethodPreset>> = {
  meerkat: {
    name: 'meerkat',
    mask: 'calibrated',
    optimizer: 'zo',
    detection: false,
    lr: 1e-2,
    description: 'ZO-SGD on a static sparse mask calibrated on general text; high-frequency sync',
  },
  'meerkat-vp': {
    name: 'meerkat-vp',
    mask: 'calibrated',
    optimizer: 'zo',
    detection: true,
    lr: 1e-2,
    description:
      'Meerkat + a GradIP calibration phase (long unsynchronised local paths), detection of extreme Non-IID clients, early stopping of the flagged ones',
  },
  'full-zo': {
    name: 'full-zo',
    mask: 'all',
    optimizer: 'zo',
    detection: false,
    lr: 1e-4,
    description: 'MeZO-style ZO-SGD on every parameter',
  },
  'random-mask': {
    name: 'random-mask',
    mask: 'random',
    optimizer: 'zo',
    detection: false,
    lr: 1e-2,
    description: 'ZO-SGD on a uniformly random mask of the same density',
  },
  'magnitude-mask': {
    name: 'magnitude-mask',
    mask: 'magnitude',
    optimizer: 'zo',
    detection: false,
    lr: 1e-2,
    description: 'ZO-SGD on the largest-|w| mask of the same density',
  },
  'fedavg-sgd': {
    name: 'fedavg-sgd',
    mask: 'calibrated',
    optimizer: 'sgd',
    detection: false,
    lr: 1e-1,
    description:
      'first-order FedAvg (local SGD on the classification loss) on the calibrated mask; needs a backend with gradients',
  },
};

export const METHOD_NAMES = Object.keys(METHOD_PRESETS) as readonly MethodName[];
