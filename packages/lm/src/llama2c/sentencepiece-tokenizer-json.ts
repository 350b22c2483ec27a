// A Llama-2-style Hugging Face `tokenizer.json` built from a SentencePiece BPE vocabulary (pieces
// and scores), the way transformers' LlamaConverter builds it: BPE with byte fallback, the legacy
// `▁`-prefix normalizer, no pre-tokenizer, BOS added by a template, and merges derived from the
// scores (every split of a piece into two pieces, ordered by the merged piece's score).
import type { SentencePieceVocab } from './llama2c-tokenizer.js';

/** One BPE merge: the left and right pieces. */
export type Merge = readonly [string, string];

/**
 * The BPE merges of a SentencePiece vocabulary, derived from the scores as transformers'
 * SentencePiece extractor does: for each piece in id order, every split into two vocabulary
 * pieces, shortest left part first; then all of them ordered by the merged piece's score, highest
 * first, in a stable sort (equal scores keep that order). Pieces are split by code point, as
 * Python slices strings. (This is the order of the Llama 2 tokenizer.json files on the Hub;
 * some transformers versions break score ties differently, which orders equal-score merges of
 * one piece differently but yields the same merges.)
 */
export function sentencePieceMerges(pieces: readonly string[], scores: ArrayLike<number>): Merge[] {
  const ids = new Map<string, number>();
  pieces.forEach((p, id) => {
    if (!ids.has(p)) ids.set(p, id);
  });
  interface Candidate {
    readonly left: string;
    readonly right: string;
    readonly score: number;
  }
  const all: Candidate[] = [];
  pieces.forEach((piece, id) => {
    const chars = Array.from(piece);
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join('');
      const right = chars.slice(cut).join('');
      if (ids.has(left) && ids.has(right)) {
        all.push({ left, right, score: scores[id]! });
      }
    }
  });
  all.sort((a, b) => b.score - a.score);
  return all.map((c) => [c.left, c.right] as const);
}

/** `tokenizer.json` (as a JSON object) for a Llama-2-style SentencePiece BPE vocabulary. */
export function sentencePieceTokenizerJson(vocab: SentencePieceVocab): Record<string, unknown> {
  const { pieces } = vocab;
  const special = (id: number) => ({
    id,
    content: pieces[id]!,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const bos = pieces[vocab.bosId]!;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [vocab.unkId, vocab.bosId, vocab.eosId]
      .sort((a, b) => a - b)
      .map((id) => special(id)),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '\u2581' },
        { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: bos, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [vocab.bosId], tokens: [bos] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: pieces[vocab.unkId]!,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: vocab.byteFallbackStart !== null,
      ignore_merges: false,
      // fromEntries defines own properties, so a piece such as "__proto__" stays a key.
      vocab: Object.fromEntries(pieces.map((p, id) => [p, id])),
      merges: sentencePieceMerges(pieces, vocab.scores),
    },
  };
}

/** `tokenizer_config.json` for it: Llama 2's (BOS added, EOS not, legacy spacing). */
export function llamaTokenizerConfigJson(
  vocab: SentencePieceVocab,
  modelMaxLength: number,
): Record<string, unknown> {
  return {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: vocab.pieces[vocab.bosId]!,
    eos_token: vocab.pieces[vocab.eosId]!,
    unk_token: vocab.pieces[vocab.unkId]!,
    model_max_length: modelMaxLength,
    tokenizer_class: 'LlamaTokenizer',
    clean_up_tokenization_spaces: false,
    legacy: true,
  };
}
