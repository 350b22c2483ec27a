import { PhiloxUniformStream, shuffleInPlace } from '@meerkat/seeded';
import { assemblePartition } from './assemble-partition.js';
import { FedAggregateError } from './errors.js';
import {
  type ClientShard,
  checkClientCount,
  checkLabels,
  type Labels,
  numberedClientIds,
  type Partition,
  sortedIndices,
} from './partition.js';
import { resolveDirichletSplit, splitDirichlet } from './partition-dirichlet.js';
import { splitIid } from './partition-iid.js';
import { STREAM_DOMAIN } from './stream-domains.js';

/** A single-label client. */
export interface ExtremeClientSpec {
  readonly label: number;
  /** Examples it gets (all of that label). Default ⌊N / (extreme + normal clients)⌋. */
  readonly size?: number;
}

/** How the examples left after the extreme clients are split among the normal clients. */
export type NormalSplit =
  | 'iid'
  | { readonly dirichlet: number; readonly minSize?: number; readonly maxAttempts?: number };

export interface ExtremePartitionOptions {
  readonly seed: bigint;
  readonly extremeClients: readonly ExtremeClientSpec[];
  readonly normalClients: number;
  /** Default `'iid'`. */
  readonly normal?: NormalSplit;
}

/**
 * Extreme (single-label) clients mixed with normal ones — the setting Meerkat-vp's detector is
 * scored on. Each extreme client takes `size` random examples of its label; the rest of the data
 * is split among the normal clients (IID or Dirichlet). Which client id is extreme is itself a
 * seeded shuffle; `extremeClientIds` is the ground truth.
 */
export function partitionWithExtremeClients(
  labels: Labels,
  options: ExtremePartitionOptions,
): Partition {
  const numLabels = checkLabels(labels);
  const { extremeClients, normalClients, normal = 'iid' } = options;
  checkClientCount('normalClients', normalClients, 0);
  const total = extremeClients.length + normalClients;
  if (total === 0) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'ask for at least one client');
  }
  const random = new PhiloxUniformStream(options.seed, STREAM_DOMAIN.partition, 3);
  const pools: number[][] = Array.from({ length: numLabels }, () => []);
  for (let i = 0; i < labels.length; i++) pools[labels[i]!]!.push(i);
  for (const pool of pools) shuffleInPlace(pool, random);
  const taken = new Uint8Array(labels.length);
  const defaultSize = Math.floor(labels.length / total);
  const extremeShards = extremeClients.map((spec, e) => {
    const { label, size = defaultSize } = spec;
    if (!(Number.isInteger(label) && label >= 0 && label < numLabels)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `extreme client ${e}: label ${label} does not occur in the labels (0..${numLabels - 1})`,
      );
    }
    checkClientCount(`extreme client ${e} size`, size);
    const pool = pools[label]!;
    if (pool.length < size) {
      throw new FedAggregateError(
        'FED_PARTITION_INFEASIBLE',
        `extreme client ${e} wants ${size} examples of label ${label}, only ${pool.length} remain; lower its size`,
      );
    }
    const chosen = pool.splice(pool.length - size, size);
    for (const i of chosen) taken[i] = 1;
    return sortedIndices(chosen);
  });
  const rest: number[] = [];
  for (let i = 0; i < labels.length; i++) if (taken[i] === 0) rest.push(i);
  let normalShards: Uint32Array[] = [];
  if (normalClients > 0) {
    if (normal === 'iid') {
      if (rest.length < normalClients) {
        throw new FedAggregateError(
          'FED_PARTITION_INFEASIBLE',
          `${rest.length} examples remain for ${normalClients} normal clients; shrink the extreme clients`,
        );
      }
      normalShards = splitIid(rest, normalClients, random);
    } else {
      const split = resolveDirichletSplit(normalClients, { ...normal, alpha: normal.dirichlet });
      normalShards = splitDirichlet(rest, labels, numLabels, split, random);
    }
  } else if (rest.length > 0) {
    throw new FedAggregateError(
      'FED_PARTITION_INFEASIBLE',
      `${rest.length} examples would belong to no client; add normal clients or enlarge the extreme ones`,
    );
  }
  // Seeded assignment of client ids to slots, so extreme clients are not simply the first ids.
  const slots = shuffleInPlace(
    Array.from({ length: total }, (_, i) => i),
    random,
  );
  const ids = numberedClientIds(total);
  const clients: ClientShard[] = new Array(total);
  extremeShards.forEach((indices, e) => {
    const slot = slots[e]!;
    clients[slot] = {
      clientId: ids[slot]!,
      kind: 'extreme',
      indices,
      label: extremeClients[e]!.label,
    };
  });
  normalShards.forEach((indices, n) => {
    const slot = slots[extremeShards.length + n]!;
    clients[slot] = { clientId: ids[slot]!, kind: normal === 'iid' ? 'iid' : 'dirichlet', indices };
  });
  const extremeClientIds = clients.filter((c) => c.kind === 'extreme').map((c) => c.clientId);
  return assemblePartition(labels, numLabels, clients, extremeClientIds);
}
