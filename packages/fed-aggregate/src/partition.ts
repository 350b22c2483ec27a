import { FedAggregateError } from './errors.js';
import type { PartitionStats } from './partition-stats.js';

/** How a client's shard was made. */
export type ClientKind = 'iid' | 'dirichlet' | 'extreme' | 'group';

/** One client's share of a dataset. */
export interface ClientShard {
  readonly clientId: string;
  readonly kind: ClientKind;
  /** Example indices, sorted ascending. */
  readonly indices: Uint32Array;
  /** For `'extreme'` clients: the single label they hold. */
  readonly label?: number;
}

/** The result of every partitioner: every example is in exactly one shard. */
export interface Partition {
  readonly clients: readonly ClientShard[];
  /** Ids of the extreme (single-label) clients, sorted (empty for other partitioners). */
  readonly extremeClientIds: readonly string[];
  readonly stats: PartitionStats;
}

/** Dataset labels: non-negative integers (class ids). */
export type Labels = Int32Array | readonly number[];

/** Validates labels and returns the number of classes (max label + 1). */
export function checkLabels(labels: Labels): number {
  if (labels.length === 0) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'labels must not be empty');
  }
  if (labels.length > 0xffffffff) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'at most 2^32 − 1 examples are supported');
  }
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(Number.isInteger(l) && l >= 0 && l < 65536)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `label ${i} is ${l}; labels must be integers in [0, 65536) (map class names to ids first)`,
      );
    }
    if (l > max) max = l;
  }
  return max + 1;
}

/** `client-000`, `client-001`, …: ids whose code-unit order equals their index order. */
export function numberedClientIds(count: number): string[] {
  const width = Math.max(3, String(Math.max(0, count - 1)).length);
  return Array.from({ length: count }, (_, i) => `client-${String(i).padStart(width, '0')}`);
}

/** Checks a client count (integer ≥ 1). */
export function checkClientCount(name: string, count: number, min = 1): void {
  if (!(Number.isInteger(count) && count >= min)) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `${name} must be an integer >= ${min}, got ${count}`,
    );
  }
}

/** Sorted copy of an index list as a Uint32Array. */
export function sortedIndices(indices: ArrayLike<number>): Uint32Array {
  return Uint32Array.from(indices).sort();
}
