import {
  type Partition,
  partitionByGroup,
  partitionDirichlet,
  partitionIid,
  partitionWithExtremeClients,
} from '@meerkat/fed-aggregate';
import type { RunConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import type { TaskSplit } from './task-data.js';

/** Deals the training split to `config.clients` clients with the configured fed-aggregate partitioner. */
export function partitionClients(config: RunConfig, split: TaskSplit, seed: bigint): Partition {
  const p = config.partition;
  const labels = split.trainLabels;
  switch (p.kind) {
    case 'iid':
      return partitionIid(labels, { numClients: config.clients, seed });
    case 'dirichlet':
      return partitionDirichlet(labels, {
        numClients: config.clients,
        alpha: p.alpha,
        seed,
        minSize: p.minSize,
      });
    case 'extreme':
      return partitionWithExtremeClients(labels, {
        seed,
        extremeClients: p.extreme.map((e) => ({
          label: split.labels.indexOf(e.label),
          ...(e.size === undefined ? {} : { size: e.size }),
        })),
        normalClients: config.clients - p.extreme.length,
        normal:
          p.normal === 'iid' ? 'iid' : { dirichlet: p.normal.dirichlet, minSize: p.normal.minSize },
      });
    case 'groups': {
      // SpamAssassin's groups are its folders; JSONL/CSV rows carry a "group" field or column.
      const ungrouped = split.train.filter((e) => e.group === undefined);
      if (ungrouped.length > 0) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `partition.kind: the 'groups' partition makes one client per group, and ${ungrouped.length} of ${split.train.length} training examples have none (first: ${ungrouped[0]!.source ?? 'an example without a source'}); give every JSONL row a "group" string, or the CSV a non-empty group column`,
          {
            issues: [
              {
                path: 'partition.kind',
                message: `${ungrouped.length} training examples have no group`,
                allowed: "'iid' | 'dirichlet' | 'extreme', or data with a group on every example",
              },
            ],
          },
        );
      }
      const groups = split.train.map((e) => e.group!);
      const distinct = new Set(groups);
      if (distinct.size !== config.clients) {
        throw new MeerkatError(
          'MEERKAT_CONFIG_INVALID',
          `clients: the 'groups' partition makes one client per group, and the data has ${distinct.size} groups`,
          {
            issues: [
              {
                path: 'clients',
                message: `the 'groups' partition makes one client per group (${distinct.size})`,
                allowed: String(distinct.size),
              },
            ],
          },
        );
      }
      return partitionByGroup(labels, groups);
    }
  }
}
