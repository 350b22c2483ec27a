import {
  type ClientKind,
  type ClientShard,
  type Labels,
  numberedClientIds,
  type Partition,
} from './partition.js';
import { computePartitionStats } from './partition-stats.js';

/** Shards of one kind as clients `client-000`, `client-001`, … in shard order. */
export function numberedShards(shards: readonly Uint32Array[], kind: ClientKind): ClientShard[] {
  const ids = numberedClientIds(shards.length);
  return shards.map((indices, c) => ({ clientId: ids[c]!, kind, indices }));
}

/** The `Partition` every partitioner returns: its clients, the extreme ids, and their stats. */
export function assemblePartition(
  labels: Labels,
  numLabels: number,
  clients: readonly ClientShard[],
  extremeClientIds: readonly string[] = [],
): Partition {
  return {
    clients,
    extremeClientIds,
    stats: computePartitionStats(labels, numLabels, clients),
  };
}
