import { assemblePartition } from './assemble-partition.js';
import { compareClientIds } from './build-replay-log.js';
import { FedAggregateError } from './errors.js';
import { type ClientShard, checkLabels, type Labels, type Partition } from './partition.js';

export interface GroupPartitionOptions {
  /**
   * Maps group keys (`String(group)`) to client ids, so several groups can share a client.
   * Default: one client per group, with the group key as client id.
   */
  readonly groupToClient?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/**
 * Partition by a natural group field (e.g. a corpus's source folder): every example goes to the
 * client of its group. Deterministic (no randomness). Clients are sorted by id.
 */
export function partitionByGroup(
  labels: Labels,
  groups: Int32Array | readonly (string | number)[],
  options: GroupPartitionOptions = {},
): Partition {
  const numLabels = checkLabels(labels);
  if (groups.length !== labels.length) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `groups has ${groups.length} entries but labels has ${labels.length}; give one group per example`,
    );
  }
  const map = options.groupToClient;
  const lookup = (key: string): string | undefined =>
    map === undefined
      ? key
      : map instanceof Map
        ? map.get(key)
        : (map as Record<string, string>)[key];
  const members = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const key = String(groups[i]);
    const clientId = lookup(key);
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `group ${JSON.stringify(key)} (example ${i}) has no client in groupToClient; map every group`,
      );
    }
    let list = members.get(clientId);
    if (list === undefined) {
      list = [];
      members.set(clientId, list);
    }
    list.push(i);
  }
  const clients: ClientShard[] = [...members.keys()].sort(compareClientIds).map((clientId) => ({
    clientId,
    kind: 'group',
    indices: Uint32Array.from(members.get(clientId)!),
  }));
  return assemblePartition(labels, numLabels, clients);
}
