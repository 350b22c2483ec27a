import { type LlamaModel, TrainableView } from '@meerkat/lm';
import type { SparseMask } from '@meerkat/sparse-mask';
import { DEFAULT_DIRECTION_POOL_THRESHOLD, type DirectionPool } from '@meerkat/zo-estimator';
import { createDirectionPool } from '@meerkat/zo-estimator/node';
import { ModelReplica } from '../client/model-replica.js';

/** A client's θ view of a model at a mask, and the direction workers a large θ needs. */
export interface ClientReplica {
  readonly replica: ModelReplica;
  /** One worker thread per core when k ≥ DEFAULT_DIRECTION_POOL_THRESHOLD (full-parameter ZO). */
  readonly directionPool: DirectionPool | undefined;
  close(): Promise<void>;
}

/** The trainable view of `model` at `mask`, as the simulation's and a joined client's training use it. */
export async function createClientReplica(
  model: LlamaModel,
  mask: SparseMask,
  options: { readonly directionPool?: boolean } = {},
): Promise<ClientReplica> {
  const view = await TrainableView.create(model, mask.indices);
  const replica = ModelReplica.create(view);
  const directionPool =
    options.directionPool !== false && mask.indices.length >= DEFAULT_DIRECTION_POOL_THRESHOLD
      ? createDirectionPool()
      : undefined;
  return {
    replica,
    directionPool,
    close: async () => {
      await directionPool?.close();
    },
  };
}
