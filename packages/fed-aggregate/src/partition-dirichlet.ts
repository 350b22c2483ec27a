import { PhiloxUniformStream, shuffleInPlace } from '@meerkat/seeded';
import { assemblePartition, numberedShards } from './assemble-partition.js';
import { sampleDirichlet } from './dirichlet.js';
import { FedAggregateError } from './errors.js';
import {
  checkClientCount,
  checkLabels,
  type Labels,
  type Partition,
  sortedIndices,
} from './partition.js';
import { STREAM_DOMAIN } from './stream-domains.js';

export interface DirichletPartitionOptions {
  readonly numClients: number;
  /** Concentration α > 0: small α → each client holds few labels; large α → near IID. */
  readonly alpha: number;
  readonly seed: bigint;
  /** Every client must get at least this many examples. Default 1. */
  readonly minSize?: number;
  /** Resampling attempts before giving up with `FED_PARTITION_INFEASIBLE`. Default 100. */
  readonly maxAttempts?: number;
}

/** Settings of the Dirichlet split of a subset of the data. */
export interface DirichletSplit {
  readonly numClients: number;
  readonly alpha: number;
  readonly minSize: number;
  readonly maxAttempts: number;
}

/** Validates Dirichlet settings and fills defaults. */
export function resolveDirichletSplit(
  numClients: number,
  options: { alpha: number; minSize?: number; maxAttempts?: number },
): DirichletSplit {
  checkClientCount('numClients', numClients);
  const { alpha, minSize = 1, maxAttempts = 100 } = options;
  if (!(Number.isFinite(alpha) && alpha > 0)) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `alpha must be finite and > 0, got ${alpha}`,
    );
  }
  checkClientCount('minSize', minSize, 0);
  checkClientCount('maxAttempts', maxAttempts);
  return { numClients, alpha, minSize, maxAttempts };
}

/**
 * Label-skewed split of `indices`: for each label, proportions q ~ Dir(α·1) over clients and the
 * label's (shuffled) examples cut at ⌊N_l·cumsum(q)⌋. Resamples whole splits until every client
 * has ≥ minSize examples, at most maxAttempts times, else `FED_PARTITION_INFEASIBLE`.
 */
export function splitDirichlet(
  indices: ArrayLike<number>,
  labels: Labels,
  numLabels: number,
  split: DirichletSplit,
  random: PhiloxUniformStream,
): Uint32Array[] {
  const { numClients, alpha, minSize, maxAttempts } = split;
  if (numClients * minSize > indices.length) {
    throw new FedAggregateError(
      'FED_PARTITION_INFEASIBLE',
      `${numClients} clients × minSize ${minSize} exceeds the ${indices.length} examples available; lower minSize or numClients`,
    );
  }
  const byLabel: number[][] = Array.from({ length: numLabels }, () => []);
  for (let i = 0; i < indices.length; i++) byLabel[labels[indices[i]!]!]!.push(indices[i]!);
  let smallest = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const shards: number[][] = Array.from({ length: numClients }, () => []);
    for (const pool of byLabel) {
      if (pool.length === 0) continue;
      shuffleInPlace(pool, random);
      const q = sampleDirichlet(random, alpha, numClients);
      let cumulative = 0;
      let start = 0;
      for (let c = 0; c < numClients; c++) {
        cumulative += q[c]!;
        const end =
          c === numClients - 1
            ? pool.length
            : Math.min(pool.length, Math.floor(cumulative * pool.length));
        for (let j = start; j < end; j++) shards[c]!.push(pool[j]!);
        start = Math.max(start, end);
      }
    }
    smallest = Math.min(...shards.map((s) => s.length));
    if (smallest >= minSize) return shards.map(sortedIndices);
  }
  throw new FedAggregateError(
    'FED_PARTITION_INFEASIBLE',
    `no Dirichlet(α=${alpha}) split gave every one of ${numClients} clients ≥ ${minSize} examples in ${maxAttempts} attempts (last smallest: ${smallest}); raise alpha or maxAttempts, or lower minSize`,
  );
}

/** Dirichlet(α) label-skew partition with a minimum shard size (seeded). */
export function partitionDirichlet(labels: Labels, options: DirichletPartitionOptions): Partition {
  const numLabels = checkLabels(labels);
  const split = resolveDirichletSplit(options.numClients, options);
  const random = new PhiloxUniformStream(options.seed, STREAM_DOMAIN.partition, 2);
  const all = Uint32Array.from({ length: labels.length }, (_, i) => i);
  const shards = splitDirichlet(all, labels, numLabels, split, random);
  return assemblePartition(labels, numLabels, numberedShards(shards, 'dirichlet'));
}
