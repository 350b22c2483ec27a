import { BackendTensor } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';

/**
 * A Meerkat tensor handle around a tf.Tensor (its `storage`). The tf.Tensor is swapped (never
 * mutated) by `scatterUpdate`, so the handle stays the same while tensors computed earlier keep
 * their values. Its lifetime is `TfjsBackend`'s, through @meerkat/tensor's `TensorLifetime`.
 */
export class TfjsTensor extends BackendTensor<tfc.Tensor> {}
