import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES } from '@meerkat/trainer';
import type { ExperimentCell } from './expand-grid.js';

/** A cell's run directory: `<outDir>/runs/<cell id>`. */
export function cellRunDir(outDir: string, cell: ExperimentCell): string {
  return join(outDir, 'runs', cell.id);
}

/** Whether a cell's run directory has rounds on disk (it is resumed from its own config.json). */
export function cellStartedBefore(runDir: string): boolean {
  return (
    existsSync(join(runDir, RUN_FILES.checkpoint)) || existsSync(join(runDir, RUN_FILES.metrics))
  );
}

/** Whether a cell's run finished: its run directory has summary.json. */
export async function cellFinished(runDir: string): Promise<boolean> {
  try {
    await readFile(join(runDir, RUN_FILES.summary));
    return true;
  } catch {
    return false;
  }
}
