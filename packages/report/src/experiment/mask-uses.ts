import { dirname } from 'node:path';
import { type CachedMask, type RunConfig, readMaskCacheMeta } from '@meerkat/trainer';
import type { CellResult } from './experiment-results.js';
import type { MaskUse } from './results-markdown.js';

/**
 * The cached masks the finished cells trained on (their config.json's `mask.file` inside the
 * cache directory), with the cells that shared each and whether this invocation calibrated it.
 */
export async function masksOfCells(
  finished: readonly CellResult[],
  cacheDir: string,
  now: ReadonlyMap<string, CachedMask>,
): Promise<MaskUse[]> {
  const byKey = new Map<string, CellResult[]>();
  for (const c of finished) {
    const file = (c.run.config as { mask?: { file?: unknown } } | null)?.mask?.file;
    if (typeof file !== 'string' || dirname(file) !== cacheDir || !file.endsWith('.bin')) continue;
    const key = file.slice(cacheDir.length + 1, -'.bin'.length);
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  const uses: MaskUse[] = [];
  for (const [key, group] of byKey) {
    const meta = await readMaskCacheMeta(cacheDir, key);
    const config = group[0]?.run.config as RunConfig;
    uses.push({
      key,
      seed: meta?.inputs.seed ?? config.seed,
      density: meta?.inputs.density ?? config.mask.density,
      calibration: meta?.inputs.calibration ?? config.mask.calibration,
      backend: meta?.inputs.backend ?? null,
      seconds: meta?.seconds ?? null,
      createdAt: meta?.createdAt ?? null,
      origin: now.has(key) ? (now.get(key)?.calibratedNow ? 'calibrated' : 'reused') : null,
      cells: group.map((c) => c.cell.id),
      series: [...new Set(group.map((c) => c.cell.series))],
    });
  }
  return uses;
}
