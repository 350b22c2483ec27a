import { readFileSync } from 'node:fs';
import { LmError } from '../errors.js';
import { HubCacheRepo } from './hub-cache.js';
import type { HubClient } from './hub-client.js';
import { formatHubModelId, type HubModelId } from './hub-model-id.js';

/** A model directory in the cache: `snapshots/<commit>`. */
export interface HubModelSnapshot {
  readonly dir: string;
  readonly commit: string;
  /** Files downloaded by this call (0: everything came from the cache). */
  readonly downloadedFiles: number;
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** The shard file names an index maps tensors to. */
function shardsOf(indexPath: string, what: string): string[] {
  try {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: unknown };
    const map = index.weight_map;
    if (map !== null && typeof map === 'object' && !Array.isArray(map)) {
      const names = Object.values(map as Record<string, unknown>);
      if (names.every((n): n is string => typeof n === 'string' && !n.includes('..'))) {
        return [...new Set(names)];
      }
    }
  } catch {
    // reported below
  }
  throw new LmError(
    'SAFETENSORS_SHARD',
    `${INDEX} of ${what} has no valid "weight_map"; it cannot name its shards.`,
  );
}

/**
 * The cached snapshot of a Hub model at `revision` when everything a model directory needs is in
 * it — config.json, tokenizer.json, tokenizer_config.json (or a record that the repository has
 * none) and the weights (model.safetensors, or the index and every shard) — else null. Reads no
 * network, so a model fetched once is used offline.
 */
export function cachedHubModel(cacheDir: string, id: HubModelId): string | null {
  const repo = new HubCacheRepo(cacheDir, id.repoId);
  const commit = repo.commitOf(id.revision);
  if (commit === null) return null;
  const has = (file: string) => repo.snapshotFile(commit, file) !== null;
  if (!has('config.json') || !has('tokenizer.json')) return null;
  if (!has('tokenizer_config.json') && !repo.isMissing(commit, 'tokenizer_config.json'))
    return null;
  if (!has(SINGLE)) {
    const index = repo.snapshotFile(commit, INDEX);
    if (index === null) return null;
    if (!shardsOf(index, formatHubModelId(id)).every(has)) return null;
  }
  return repo.snapshotDir(commit);
}

/**
 * Downloads what a model directory needs from the Hub into the cache (files already there are
 * linked, not downloaded): config.json, tokenizer.json, tokenizer_config.json when the repository
 * has one, and model.safetensors or model.safetensors.index.json with its shards. Every file is
 * taken at the commit the first one resolved to, so a branch moving mid-download cannot mix two
 * versions; `refs/<revision>` is written last.
 */
export async function fetchHubModel(client: HubClient, id: HubModelId): Promise<HubModelSnapshot> {
  const repo = new HubCacheRepo(client.options.cacheDir, id.repoId);
  const name = formatHubModelId(id);
  let downloadedFiles = 0;
  const config = await client.fetchFile(repo, id.revision, 'config.json');
  if (config.path === null) {
    throw new LmError(
      'LM_DOWNLOAD_NOT_FOUND',
      `${name} has no config.json; it is not a transformers model repository.`,
    );
  }
  const commit = config.commit;
  const fetchOne = async (file: string) => {
    const result = await client.fetchFile(repo, commit, file);
    if (result.path !== null && result.downloaded) downloadedFiles++;
    return result.path;
  };
  if (config.downloaded) downloadedFiles++;
  if ((await fetchOne('tokenizer.json')) === null) {
    throw new LmError(
      'LM_DOWNLOAD_NOT_FOUND',
      `${name} has no tokenizer.json (only a SentencePiece tokenizer.model?); @meerkat/lm reads Hugging Face tokenizer.json files.`,
    );
  }
  await fetchOne('tokenizer_config.json');
  if ((await fetchOne(SINGLE)) === null) {
    const index = await fetchOne(INDEX);
    if (index === null) {
      throw new LmError(
        'LM_DOWNLOAD_NOT_FOUND',
        `${name} has neither ${SINGLE} nor ${INDEX}; only safetensors weights are read (PyTorch .bin weights are not).`,
      );
    }
    for (const shard of shardsOf(index, name)) {
      if ((await fetchOne(shard)) === null) {
        throw new LmError(
          'LM_DOWNLOAD_NOT_FOUND',
          `${name}: ${INDEX} names the shard ${shard}, which the repository does not have.`,
        );
      }
    }
  }
  repo.writeRef(id.revision, commit);
  return { dir: repo.snapshotDir(commit), commit, downloadedFiles };
}
