import type { ClientShard, Labels } from './partition.js';

/** Size, label mix and skew of a partition. */
export interface PartitionStats {
  readonly numExamples: number;
  readonly numLabels: number;
  readonly numClients: number;
  /** Per client, in `clients` order. */
  readonly sizes: readonly number[];
  /** Per client: count of each label (length numLabels). */
  readonly labelHistograms: readonly Uint32Array[];
  /** Label distribution of the whole dataset. */
  readonly globalDistribution: Float64Array;
  /**
   * Per client: total-variation distance ½·Σ_l |p_c(l) − p(l)| between its label distribution
   * and the global one (0 for an empty client).
   */
  readonly tvDistances: Float64Array;
  /** Mean TV distance over non-empty clients: 0 = IID, → 1 = disjoint label sets. */
  readonly meanTvDistance: number;
  readonly maxTvDistance: number;
  readonly minSize: number;
  readonly maxSize: number;
}

/** Computes sizes, label histograms and TV-distance skew of a partition. */
export function computePartitionStats(
  labels: Labels,
  numLabels: number,
  clients: readonly Pick<ClientShard, 'indices'>[],
): PartitionStats {
  const global = new Float64Array(numLabels);
  for (let i = 0; i < labels.length; i++) global[labels[i]!]! += 1;
  for (let l = 0; l < numLabels; l++) global[l] = global[l]! / labels.length;
  const sizes: number[] = [];
  const labelHistograms: Uint32Array[] = [];
  const tvDistances = new Float64Array(clients.length);
  let tvSum = 0;
  let nonEmpty = 0;
  let maxTv = 0;
  clients.forEach((client, c) => {
    const histogram = new Uint32Array(numLabels);
    for (const i of client.indices) histogram[labels[i]!]! += 1;
    const n = client.indices.length;
    let tv = 0;
    if (n > 0) {
      for (let l = 0; l < numLabels; l++) tv += Math.abs(histogram[l]! / n - global[l]!);
      tv /= 2;
      tvSum += tv;
      nonEmpty++;
      maxTv = Math.max(maxTv, tv);
    }
    tvDistances[c] = tv;
    sizes.push(n);
    labelHistograms.push(histogram);
  });
  return {
    numExamples: labels.length,
    numLabels,
    numClients: clients.length,
    sizes,
    labelHistograms,
    globalDistribution: global,
    tvDistances,
    meanTvDistance: nonEmpty > 0 ? tvSum / nonEmpty : 0,
    maxTvDistance: maxTv,
    minSize: sizes.length > 0 ? Math.min(...sizes) : 0,
    maxSize: sizes.length > 0 ? Math.max(...sizes) : 0,
  };
}

/** A plain-text table of a partition: one row per client (id, kind, size, TV, label counts). */
export function formatPartitionStats(
  clients: readonly Pick<ClientShard, 'clientId' | 'kind'>[],
  stats: PartitionStats,
): string {
  const rows = [['client', 'kind', 'size', 'TV', 'labels'].join('\t')];
  clients.forEach((client, c) => {
    rows.push(
      [
        client.clientId,
        client.kind,
        String(stats.sizes[c]),
        stats.tvDistances[c]!.toFixed(3),
        Array.from(stats.labelHistograms[c]!).join(' '),
      ].join('\t'),
    );
  });
  rows.push(
    `${stats.numClients} clients, ${stats.numExamples} examples, ${stats.numLabels} labels; ` +
      `size ${stats.minSize}..${stats.maxSize}; mean TV ${stats.meanTvDistance.toFixed(3)}, max TV ${stats.maxTvDistance.toFixed(3)}`,
  );
  return rows.join('\n');
}
