import type { CliIo } from '@meerkat/cli-kit';
import { terminalProgress } from '../fetch/download-progress.js';
import { type ResolvedModel, resolveModel } from '../models/resolve-model.js';

/**
 * Resolves a `--model` value for a command: a directory as it is, anything else from the cache or
 * downloaded into it first, with one line per step and a progress bar on stderr (on a terminal).
 */
export async function resolveModelArg(
  spec: string,
  io: CliIo,
  command: string,
): Promise<ResolvedModel> {
  return resolveModel(spec, {
    log: (line) => io.stderr.write(`meerkat-lm ${command}: ${line}\n`),
    progress: () => terminalProgress(io.stderr),
  });
}

/** How a command names its model: the directory, or the value given and where it resolved to. */
export function modelLabel(spec: string, resolved: ResolvedModel): string {
  return resolved.source === 'directory' ? spec : `${spec} (${resolved.dir})`;
}
