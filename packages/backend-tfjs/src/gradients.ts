import { TensorError } from '@meerkat/tensor';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';

/**
 * Value and gradients of a scalar function on tfjs's tape (`engine().gradients`, what
 * `tf.grads`/`tf.variableGrads` use). `run` evaluates f and returns its tf.Tensor; `xs` are the
 * tf.Tensors inside the `wrt` handles. A parameter f does not depend on gets a zero gradient.
 */
export function tapeGradients(
  tf: Tf,
  run: () => tfc.Tensor,
  xs: readonly tfc.Tensor[],
): { value: tfc.Tensor; grads: tfc.Tensor[] } {
  const { value, grads } = tf.engine().gradients(
    () => {
      const y = run();
      if (y.rank !== 0) {
        throw new TensorError(
          'TENSOR_SHAPE_MISMATCH',
          `valueAndGradients: f must return a scalar (shape []), got [${y.shape.join(', ')}]`,
        );
      }
      return y as tfc.Scalar;
    },
    [...xs],
    undefined,
    true,
  );
  return {
    value,
    grads: grads.map((g, i) => (g == null ? tf.zerosLike(xs[i]!) : g)),
  };
}
