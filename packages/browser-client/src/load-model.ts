import { type CheckpointBytes, type LoadedModel, loadModelFromBytes } from '@meerkat/lm/browser';
import type { Backend } from '@meerkat/tensor';
import { BrowserClientError } from './errors.js';

/** Where the files of a Hugging Face model directory are served from. */
export interface ModelUrls {
  readonly config: string | URL;
  /** One `model.safetensors` (sharded checkpoints are not supported in the browser yet). */
  readonly weights: string | URL;
  /** Omit to load the model without a tokenizer. */
  readonly tokenizer?: string | URL;
  readonly tokenizerConfig?: string | URL;
}

/** The part of a fetch `Response` the loader uses. */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** Options of {@link loadModelFromUrls}. */
export interface FetchModelOptions {
  /** The fetch to use (default: the global `fetch`), e.g. one that adds credentials. */
  readonly fetch?: (url: string) => Promise<FetchResponse>;
}

/** What `loadModelFromFiles` needs of a file: a `File` from an `<input type="file">` or a drop. */
export interface ModelFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

async function fetchOk(
  url: string | URL,
  fetchFn: (url: string) => Promise<FetchResponse>,
): Promise<FetchResponse> {
  const href = String(url);
  let response: FetchResponse;
  try {
    response = await fetchFn(href);
  } catch (e) {
    throw new BrowserClientError(
      'BROWSER_FETCH_FAILED',
      `GET ${href} failed (${(e as Error).message}); check the URL and that the server allows this origin (CORS).`,
    );
  }
  if (!response.ok) {
    throw new BrowserClientError(
      'BROWSER_FETCH_FAILED',
      `GET ${href} answered ${response.status} ${response.statusText}; check the URL of this model file.`,
    );
  }
  return response;
}

/**
 * Fetches a model's files (in parallel) and builds the model on `backend` with `@meerkat/lm`'s
 * `loadModelFromBytes`; its typed `LmError`s name the URL of a malformed file.
 */
export async function loadModelFromUrls(
  urls: ModelUrls,
  backend: Backend,
  options: FetchModelOptions = {},
): Promise<LoadedModel> {
  const fetchFn = options.fetch ?? ((url: string) => fetch(url));
  const text = async (url: string | URL | undefined) =>
    url === undefined ? undefined : (await fetchOk(url, fetchFn)).text();
  const [config, weights, tokenizer, tokenizerConfig] = await Promise.all([
    text(urls.config),
    fetchOk(urls.weights, fetchFn).then((r) => r.arrayBuffer()),
    text(urls.tokenizer),
    text(urls.tokenizerConfig),
  ]);
  return loadModelFromBytes(
    withOptional({ config: config!, weights }, tokenizer, tokenizerConfig, {
      config: String(urls.config),
      weights: String(urls.weights),
      tokenizer: String(urls.tokenizer),
      tokenizerConfig: String(urls.tokenizerConfig),
    }),
    backend,
  );
}

/**
 * Builds a model from the files of a Hugging Face model directory picked by the user (a
 * `FileList` or `File[]`): `config.json`, `model.safetensors` (or the only `*.safetensors`), and
 * when present `tokenizer.json` and `tokenizer_config.json`. Other files are ignored.
 */
export async function loadModelFromFiles(
  files: ArrayLike<ModelFile> | Iterable<ModelFile>,
  backend: Backend,
): Promise<LoadedModel> {
  const list: ModelFile[] = Array.from(files as ArrayLike<ModelFile>);
  const byName = new Map(list.map((f) => [f.name, f]));
  const safetensors = list.filter((f) => f.name.endsWith('.safetensors'));
  const weights =
    byName.get('model.safetensors') ?? (safetensors.length === 1 ? safetensors[0] : undefined);
  const config = byName.get('config.json');
  const given = list.map((f) => f.name).join(', ') || 'no files';
  if (config === undefined || weights === undefined) {
    const missing = [
      config === undefined ? 'config.json' : null,
      weights === undefined
        ? safetensors.length > 1
          ? 'model.safetensors (several *.safetensors given; sharded checkpoints are not supported in the browser)'
          : 'model.safetensors'
        : null,
    ].filter((m) => m !== null);
    throw new BrowserClientError(
      'BROWSER_MISSING_FILE',
      `loadModelFromFiles needs ${missing.join(' and ')}; it was given ${given}. Select the model directory's files.`,
    );
  }
  const tokenizerFile = byName.get('tokenizer.json');
  const tokenizerConfigFile = byName.get('tokenizer_config.json');
  const [configText, weightBytes, tokenizer, tokenizerConfig] = await Promise.all([
    config.text(),
    weights.arrayBuffer(),
    tokenizerFile?.text(),
    tokenizerConfigFile?.text(),
  ]);
  return loadModelFromBytes(
    withOptional({ config: configText, weights: weightBytes }, tokenizer, tokenizerConfig, {
      config: config.name,
      weights: weights.name,
      tokenizer: 'tokenizer.json',
      tokenizerConfig: 'tokenizer_config.json',
    }),
    backend,
  );
}

/** `CheckpointBytes` without the keys whose value is absent (exactOptionalPropertyTypes). */
function withOptional(
  base: { config: string; weights: ArrayBuffer },
  tokenizer: string | undefined,
  tokenizerConfig: string | undefined,
  sources: NonNullable<CheckpointBytes['sources']>,
): CheckpointBytes {
  return {
    ...base,
    ...(tokenizer === undefined ? {} : { tokenizer }),
    ...(tokenizerConfig === undefined ? {} : { tokenizerConfig }),
    sources,
  };
}
