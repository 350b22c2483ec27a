import { PhiloxUniformStream, shuffleInPlace } from '@meerkat/seeded';
import { assemblePartition, numberedShards } from './assemble-partition.js';
import { FedAggregateError } from './errors.js';
import {
  checkClientCount,
  checkLabels,
  type Labels,
  type Partition,
  sortedIndices,
} from './partition.js';
import { STREAM_DOMAIN } from './stream-domains.js';

export interface IidPartitionOptions {
  readonly numClients: number;
  readonly seed: bigint;
}

/** Shuffles `indices` (a copy) and cuts it into `numClients` sorted shards whose sizes differ by ≤ 1. */
export function splitIid(
  indices: ArrayLike<number>,
  numClients: number,
  random: PhiloxUniformStream,
): Uint32Array[] {
  const shuffled = shuffleInPlace(Uint32Array.from(indices), random);
  const base = Math.floor(shuffled.length / numClients);
  const extra = shuffled.length % numClients;
  const shards: Uint32Array[] = [];
  let at = 0;
  for (let c = 0; c < numClients; c++) {
    const size = base + (c < extra ? 1 : 0);
    shards.push(sortedIndices(shuffled.subarray(at, at + size)));
    at += size;
  }
  return shards;
}

/** IID partition: a seeded shuffle cut into near-equal shards (sizes differ by at most 1). */
export function partitionIid(labels: Labels, options: IidPartitionOptions): Partition {
  const numLabels = checkLabels(labels);
  checkClientCount('numClients', options.numClients);
  if (options.numClients > labels.length) {
    throw new FedAggregateError(
      'FED_PARTITION_INFEASIBLE',
      `${options.numClients} clients need at least as many examples, got ${labels.length}`,
    );
  }
  const random = new PhiloxUniformStream(options.seed, STREAM_DOMAIN.partition, 1);
  const all = Uint32Array.from({ length: labels.length }, (_, i) => i);
  const shards = splitIid(all, options.numClients, random);
  return assemblePartition(labels, numLabels, numberedShards(shards, 'iid'));
}
