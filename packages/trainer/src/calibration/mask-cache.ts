import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LlamaModel, loadTokenizer } from '@meerkat/lm';
import { type BackendChoice, gradientBackend, trainingBackend } from '../backend.js';
import type { RunConfig } from '../config/parse-run-config.js';
import { METHOD_PRESETS } from '../methods.js';
import { calibrateConfiguredMask } from './calibrate-mask.js';

/**
 * The mask cache of the experiment runner: `<results root>/.mask-cache/` (beside the experiments'
 * result directories, e.g. `experiments/results/.mask-cache/`), shared by every experiment file
 * whose results live there.
 */
export const MASK_CACHE_DIR_NAME = '.mask-cache';

/**
 * Part of every key: bump it when calibration changes what it computes, so masks calibrated by
 * an older version are not reused (or delete the cache directory).
 */
export const MASK_CACHE_FORMAT = 1;

/** What a cached mask was calibrated from: the key is a hash of it (`<key>.json` beside the mask). */
export interface MaskCacheInputs {
  readonly format: number;
  /**
   * The resolved model path and the files in it (name, size, mtime; not hidden or `.md` files):
   * cheap, and changes when the model does.
   */
  readonly model: {
    readonly path: string;
    readonly files: readonly { name: string; size: number; mtimeMs: number }[];
  };
  /** The backend the calibration's gradients run on (the trainer's choice for this config). */
  readonly backend: string;
  readonly density: number;
  readonly calibration: RunConfig['mask']['calibration'];
  /** Size and mtime of a corpus file (null for `builtin:` corpora). */
  readonly corpusFile: { readonly size: number; readonly mtimeMs: number } | null;
  /** The run seed, which picks the corpus windows. */
  readonly seed: number;
}

/** `<key>.json`: the inputs and how the calibration went. */
export interface MaskCacheMeta {
  readonly key: string;
  readonly inputs: MaskCacheInputs;
  readonly seconds: number;
  readonly meanLoss: number;
  readonly k: number;
  readonly createdAt: string;
}

/** A cell's mask from the cache. */
export interface CachedMask {
  readonly key: string;
  /** Absolute path of `<key>.bin` (what the cell gets as `mask.file`). */
  readonly file: string;
  /** True when this cache instance calibrated it; false when it was on disk already. */
  readonly calibratedNow: boolean;
  /** Calibration wall time (model loading included), from `<key>.json` for a reused mask. */
  readonly seconds: number | null;
  readonly inputs: MaskCacheInputs;
}

export type MaskCacheEvent =
  | {
      readonly type: 'calibrating';
      readonly key: string;
      readonly seed: number;
      readonly inputs: MaskCacheInputs;
    }
  | {
      readonly type: 'calibrated';
      readonly key: string;
      readonly seed: number;
      readonly file: string;
      readonly seconds: number;
    }
  | { readonly type: 'reused'; readonly key: string; readonly seed: number; readonly file: string };

/** `<dir>/<key>.json`, or null when it is absent or unreadable. */
export async function readMaskCacheMeta(dir: string, key: string): Promise<MaskCacheMeta | null> {
  try {
    return JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as MaskCacheMeta;
  } catch {
    return null;
  }
}

/** Whether a run config calibrates its own mask (a calibrated method without `mask.file`). */
export function needsCalibratedMask(config: RunConfig): boolean {
  return METHOD_PRESETS[config.method].mask === 'calibrated' && config.mask.file === undefined;
}

async function modelFiles(path: string): Promise<MaskCacheInputs['model']['files']> {
  const info = await stat(path);
  if (!info.isDirectory())
    return [{ name: basename(path), size: info.size, mtimeMs: Math.round(info.mtimeMs) }];
  const files: { name: string; size: number; mtimeMs: number }[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    // Documentation and hidden files (locks, download caches) do not change the model.
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name.endsWith('.md')) continue;
    const s = await stat(join(path, entry.name));
    files.push({ name: entry.name, size: s.size, mtimeMs: Math.round(s.mtimeMs) });
  }
  return files;
}

/**
 * Calibrated masks computed once per key and shared by every cell (and experiment) with that key:
 * the model (path, files' sizes and mtimes), the backend the calibration runs on, `mask.density`,
 * `mask.calibration.*` and the seed. A mask is calibrated through `calibrateConfiguredMask` on the
 * backend the trainer would use (`trainingBackend`, then `gradientBackend` for a forward-only one),
 * so it is byte-identical to the mask the cell would calibrate itself. Calibrations run one at a
 * time; cells with the same key wait for the one calibration.
 */
export class MaskCache {
  readonly dir: string;
  private readonly onEvent: ((event: MaskCacheEvent) => void) | undefined;
  private readonly pending = new Map<string, Promise<CachedMask>>();
  private readonly backends = new Map<string, Promise<BackendChoice>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, options: { readonly onEvent?: (event: MaskCacheEvent) => void } = {}) {
    this.dir = dir;
    this.onEvent = options.onEvent;
  }

  /** The gradient backend the trainer would calibrate this config's mask on (created once per kind). */
  private calibrationBackend(config: RunConfig): Promise<BackendChoice> {
    const id = `${config.backend}\u0000${METHOD_PRESETS[config.method].optimizer}`;
    let choice = this.backends.get(id);
    if (choice === undefined) {
      choice = trainingBackend(config).then((t) => gradientBackend('mask calibration', t.backend));
      this.backends.set(id, choice);
    }
    return choice;
  }

  /** The cache key of a config's mask and what it hashes. */
  async key(config: RunConfig): Promise<{ key: string; inputs: MaskCacheInputs }> {
    const backend = (await this.calibrationBackend(config)).backend.name;
    const corpus = config.mask.calibration.corpus;
    let corpusFile: MaskCacheInputs['corpusFile'] = null;
    if (!corpus.startsWith('builtin:') && existsSync(corpus)) {
      const s = await stat(corpus);
      corpusFile = { size: s.size, mtimeMs: Math.round(s.mtimeMs) };
    }
    const inputs: MaskCacheInputs = {
      format: MASK_CACHE_FORMAT,
      model: { path: config.model, files: await modelFiles(config.model) },
      backend,
      density: config.mask.density,
      calibration: config.mask.calibration,
      corpusFile,
      seed: config.seed,
    };
    const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 24);
    return { key, inputs };
  }

  /** The path of `<key>.bin`. */
  file(key: string): string {
    return join(this.dir, `${key}.bin`);
  }

  /** The config's mask: from the cache, or calibrated now (once per key) and cached. */
  async get(config: RunConfig): Promise<CachedMask> {
    const { key, inputs } = await this.key(config);
    let entry = this.pending.get(key);
    if (entry === undefined) {
      entry = this.load(config, key, inputs);
      this.pending.set(key, entry);
      // A failed calibration is not cached: a later cell tries again.
      entry.catch(() => this.pending.delete(key));
    }
    return entry;
  }

  private async load(config: RunConfig, key: string, inputs: MaskCacheInputs): Promise<CachedMask> {
    const file = this.file(key);
    if (existsSync(file)) {
      this.onEvent?.({ type: 'reused', key, seed: config.seed, file });
      return { key, file, calibratedNow: false, seconds: await this.seconds(key), inputs };
    }
    // One calibration at a time: they share the process (and its cores) with nothing to gain.
    const run = this.queue.then(() => this.calibrate(config, key, inputs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async seconds(key: string): Promise<number | null> {
    const meta = await readMaskCacheMeta(this.dir, key);
    return typeof meta?.seconds === 'number' ? meta.seconds : null;
  }

  private async calibrate(
    config: RunConfig,
    key: string,
    inputs: MaskCacheInputs,
  ): Promise<CachedMask> {
    const file = this.file(key);
    // Another process (an experiment running beside this one) may have cached it meanwhile.
    if (existsSync(file)) {
      this.onEvent?.({ type: 'reused', key, seed: config.seed, file });
      return { key, file, calibratedNow: false, seconds: await this.seconds(key), inputs };
    }
    this.onEvent?.({ type: 'calibrating', key, seed: config.seed, inputs });
    const started = performance.now();
    const { backend } = await this.calibrationBackend(config);
    const model = LlamaModel.load(config.model, backend);
    let calibrated: Awaited<ReturnType<typeof calibrateConfiguredMask>>;
    try {
      calibrated = await calibrateConfiguredMask(
        model,
        loadTokenizer(config.model),
        config.mask,
        BigInt(config.seed),
      );
    } finally {
      model.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    await mkdir(this.dir, { recursive: true });
    // Written under a temporary name and renamed, so no reader ever sees half a mask.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, calibrated.bytes);
    const meta: MaskCacheMeta = {
      key,
      inputs,
      seconds,
      meanLoss: calibrated.meanLoss,
      k: calibrated.mask.indices.length,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(this.dir, `${key}.json`), `${JSON.stringify(meta, null, 2)}\n`);
    await rename(tmp, file);
    this.onEvent?.({ type: 'calibrated', key, seed: config.seed, file, seconds });
    return { key, file, calibratedNow: true, seconds, inputs };
  }
}
