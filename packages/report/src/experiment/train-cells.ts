import {
  type CachedMask,
  type MaskCache,
  needsCalibratedMask,
  type RunConfig,
} from '@meerkat/trainer';
import { cellStartedBefore } from './cell-run-dir.js';
import type { ExperimentCell } from './expand-grid.js';

/** Trains one cell: `config` is a resolved run config (defaults applied, runDir set, paths absolute). */
export type CellRunner = (
  config: Readonly<Record<string, unknown>>,
  cell: ExperimentCell,
) => Promise<void>;

export type CellEvent =
  | {
      readonly type: 'skip';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'start';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'done';
      readonly cell: ExperimentCell;
      readonly index: number;
      readonly total: number;
      readonly seconds: number;
    };

export interface TrainCellsInput {
  /** Every cell of the grid and its validated run config, by index. */
  readonly cells: readonly ExperimentCell[];
  readonly configs: readonly RunConfig[];
  /** Indices of the cells to train, in the order they start. */
  readonly pending: readonly number[];
  /** Cells trained at once (at least 1). */
  readonly parallel: number;
  /** Where cells that calibrate their own mask get it from (null: each calibrates its own). */
  readonly maskCache: MaskCache | null;
  readonly runCell: CellRunner;
  readonly onCell?: ((event: CellEvent) => void) | undefined;
}

/** Whether a cell takes its mask from the cache: it calibrates its own and starts afresh. */
function takesCachedMask(config: RunConfig): boolean {
  return needsCalibratedMask(config) && !cellStartedBefore(config.runDir);
}

/**
 * Trains the pending cells, `parallel` at once: each worker takes the next pending cell as it
 * finishes one. Returns the masks the cells took from the mask cache, by key.
 */
export async function trainCells(input: TrainCellsInput): Promise<Map<string, CachedMask>> {
  const { cells, configs, pending, maskCache, runCell, onCell } = input;
  const masks = new Map<string, CachedMask>();
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const i = pending[next++] as number;
      const cell = cells[i] as ExperimentCell;
      let config = configs[i] as RunConfig;
      // A cell that calibrates its own mask gets the cached one (calibrated once per key)
      // as mask.file; a cell resumed from its run directory keeps the mask it started with.
      if (maskCache !== null && takesCachedMask(config)) {
        const cached = await maskCache.get(config);
        if (!masks.has(cached.key)) masks.set(cached.key, cached);
        config = { ...config, mask: { ...config.mask, file: cached.file } };
      }
      onCell?.({ type: 'start', cell, index: i, total: cells.length });
      const t0 = performance.now();
      await runCell(config as unknown as Record<string, unknown>, cell);
      const seconds = (performance.now() - t0) / 1000;
      onCell?.({ type: 'done', cell, index: i, total: cells.length, seconds });
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.parallel, pending.length) }, worker));
  return masks;
}
