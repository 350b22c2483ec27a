import type { Partition } from '@meerkat/fed-aggregate';
import type { RunConfig } from '../config/parse-run-config.js';
import type { ClientInfo } from '../coordinator/coordinator.js';
import type { LabeledExample } from '../data/labeled-example.js';
import { partitionClients } from '../data/partition-clients.js';
import type { TaskSplit } from '../data/task-data.js';
import { loadTaskSplit } from '../task/task-setup.js';
import type { TrainingTask } from '../task/training-task.js';

/** One client's training examples and their label ids. */
export interface ClientData {
  readonly examples: readonly LabeledExample[];
  readonly labels: Int32Array;
}

/** The configured data of a run: its split, the partition, and each client's shard. */
export interface ClientShards {
  readonly split: TaskSplit;
  readonly partition: Partition;
  /** What the coordinator knows of each client (kind, size, label counts), in partition order. */
  readonly clients: readonly ClientInfo[];
  /** A client's shard of the training split; undefined for an id the partition does not have. */
  shard(clientId: string): ClientData | undefined;
}

/**
 * Splits the configured data and deals the training split to the configured clients: the one
 * place the simulation, `serveRun` (the coordinator's client list) and `joinRun` (a client that
 * takes its shard of the configured data) get their data from, so all three agree by construction.
 */
export function configuredShards(config: RunConfig, task: TrainingTask): ClientShards {
  const seed = BigInt(config.seed);
  const split = loadTaskSplit(config.task, task.labels, seed);
  const partition = partitionClients(config, split, seed);
  const clients: ClientInfo[] = partition.clients.map((shard) => {
    const labels: Record<string, number> = Object.fromEntries(task.labels.map((l) => [l, 0]));
    // Label counts of a classification shard; causal-LM text has no labels ({}).
    if (task.labels.length > 0)
      for (const i of shard.indices) labels[task.labels[split.trainLabels[i]!]!]!++;
    return {
      id: shard.clientId,
      kind: shard.kind === 'extreme' ? 'extreme' : 'normal',
      numSamples: shard.indices.length,
      labels,
    };
  });
  const byId = new Map(partition.clients.map((c) => [c.clientId, c]));
  return {
    split,
    partition,
    clients,
    shard(clientId) {
      const shard = byId.get(clientId);
      if (shard === undefined) return undefined;
      return {
        examples: Array.from(shard.indices, (i) => split.train[i]!),
        labels: Int32Array.from(shard.indices, (i) => split.trainLabels[i]!),
      };
    },
  };
}
