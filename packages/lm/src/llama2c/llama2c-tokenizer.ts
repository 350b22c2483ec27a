// llama2.c's `tokenizer.bin` (written by its tokenizer.py from a SentencePiece model): an int32
// max piece length, then per piece a float32 score, an int32 byte length and the UTF-8 bytes.
// The export replaced `▁` by a space and wrapped BOS/EOS in newlines; older exports also wrote the
// 256 byte-fallback pieces as the characters U+0000…U+00FF instead of `<0x00>`…`<0xFF>`. This
// file undoes all of that, giving the SentencePiece pieces back.
import { LmError } from '../errors.js';

/** The SentencePiece vocabulary recovered from a `tokenizer.bin`. */
export interface SentencePieceVocab {
  /** Pieces by id, in SentencePiece spelling (`▁` for a space, `<0x0A>` for byte pieces). */
  readonly pieces: readonly string[];
  /** Their scores (BPE merge priority: higher merges first), by id. */
  readonly scores: Float32Array;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  /** Id of the byte piece `<0x00>` (the 256 byte pieces follow it), or null without byte fallback. */
  readonly byteFallbackStart: number | null;
  /** The file's max piece length in bytes. */
  readonly maxPieceBytes: number;
}

function invalid(source: string, message: string): LmError {
  return new LmError('LM_LLAMA2C_INVALID', `${source}: ${message}`);
}

const byteName = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/** Where the 256 byte pieces start, in either spelling, or null when there are none. */
function findBytePieces(raw: readonly string[]): number | null {
  const isByte = (id: number, b: number) =>
    raw[id] === byteName(b) || raw[id] === String.fromCharCode(b);
  for (let start = 0; start + 256 <= raw.length; start++) {
    if (!isByte(start, 0)) continue;
    let all = true;
    for (let b = 1; b < 256 && all; b++) all = isByte(start + b, b);
    if (all) return start;
  }
  return null;
}

/**
 * Parses a llama2.c `tokenizer.bin`. The number of pieces is not stored: it is whatever the
 * file holds (a model's vocab_size must match it). BOS and EOS are the pieces `<s>` and `</s>`
 * (stored as `\n<s>\n`, `\n</s>\n`), UNK is `<unk>`.
 */
export function parseLlama2cTokenizer(bytes: Uint8Array, source: string): SentencePieceVocab {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw invalid(source, 'too short for a llama2.c tokenizer.bin.');
  const maxPieceBytes = view.getInt32(0, true);
  if (maxPieceBytes <= 0 || maxPieceBytes > 1 << 16) {
    throw invalid(source, `max piece length ${maxPieceBytes} is implausible; not a tokenizer.bin?`);
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const raw: string[] = [];
  const scores: number[] = [];
  let at = 4;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw invalid(source, `truncated piece header at byte ${at}.`);
    const score = view.getFloat32(at, true);
    const length = view.getInt32(at + 4, true);
    at += 8;
    if (length < 0 || length > maxPieceBytes || at + length > bytes.length) {
      throw invalid(
        source,
        `piece ${raw.length} claims ${length} bytes at byte ${at} (max ${maxPieceBytes}, file ${bytes.length}); truncated or not a tokenizer.bin.`,
      );
    }
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(at, at + length));
    } catch {
      throw invalid(source, `piece ${raw.length} is not valid UTF-8.`);
    }
    raw.push(text);
    scores.push(score);
    at += length;
  }
  const byteFallbackStart = findBytePieces(raw);
  const pieces = raw.map((text, id) => {
    if (byteFallbackStart !== null && id >= byteFallbackStart && id < byteFallbackStart + 256) {
      return byteName(id - byteFallbackStart);
    }
    if (text === '\n<s>\n') return '<s>';
    if (text === '\n</s>\n') return '</s>';
    return text.replaceAll(' ', '\u2581');
  });
  const idOf = (piece: string) => {
    const id = pieces.indexOf(piece);
    if (id < 0)
      throw invalid(source, `no ${piece} piece; not a Llama-style SentencePiece vocabulary.`);
    return id;
  };
  return {
    pieces,
    scores: Float32Array.from(scores),
    unkId: idOf('<unk>'),
    bosId: idOf('<s>'),
    eosId: idOf('</s>'),
    byteFallbackStart,
    maxPieceBytes,
  };
}
