import { MeerkatError } from '../errors.js';
import type { LabeledExample } from './labeled-example.js';
import { readJsonlObjects } from './load-jsonl.js';
import { readTextFile } from './read-text-file.js';

/** One chunk of unlabelled text of a causal-LM task. */
export type TextExample = Omit<LabeledExample, 'label'>;

/**
 * Cuts a document into chunks of at most `maxChars` characters: paragraphs (separated by blank
 * lines) never share a chunk; within a paragraph, whitespace runs become one space and whole
 * sentences are packed greedily; a sentence longer than `maxChars` is cut at word boundaries (a
 * word longer than that, mid-word).
 */
export function chunkText(text: string, maxChars: number): string[] {
  if (!(Number.isInteger(maxChars) && maxChars > 0)) {
    throw new MeerkatError(
      'MEERKAT_INVALID_STATE',
      `chunkText: maxChars must be a positive integer, got ${maxChars}`,
    );
  }
  const chunks: string[] = [];
  for (const paragraph of text.split(/\n[^\S\n]*\n/)) {
    const clean = paragraph.replace(/\s+/g, ' ').trim();
    if (clean === '') continue;
    let current = '';
    const flush = () => {
      if (current !== '') chunks.push(current);
      current = '';
    };
    for (const sentence of clean.split(/(?<=[.!?]["'”’)\]]*) (?=\S)/)) {
      for (const piece of splitLong(sentence, maxChars)) {
        if (current === '') current = piece;
        else if (current.length + 1 + piece.length <= maxChars) current = `${current} ${piece}`;
        else {
          flush();
          current = piece;
        }
      }
    }
    flush();
  }
  return chunks;
}

/** `sentence` in pieces of at most `maxChars`, cut at spaces where possible. */
function splitLong(sentence: string, maxChars: number): string[] {
  if (sentence.length <= maxChars) return [sentence];
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const cut = space > 0 ? space : maxChars;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** The chunks of a UTF-8 text file (see `chunkText`); each names its file and chunk number. */
export function loadTextFile(path: string, chunkChars: number): TextExample[] {
  const chunks = chunkText(readTextFile(path, 'text data'), chunkChars);
  if (chunks.length === 0) {
    throw new MeerkatError('MEERKAT_DATA_INVALID', `${path}: no text (the file is empty)`);
  }
  return chunks.map((text, i) => ({ text, source: `${path} chunk ${i + 1}` }));
}

/**
 * The chunks of a JSONL file of documents: one JSON object per non-blank line with a non-empty
 * string `text` and optionally a string `group` (kept by each of the row's chunks, for the
 * `groups` partition). Any other field (a `label`, say) is ignored. Errors name the line.
 */
export function loadTextJsonl(path: string, chunkChars: number): TextExample[] {
  const out: TextExample[] = [];
  for (const { row, where } of readJsonlObjects(path, 'JSONL text data', 'a string "text"')) {
    if (typeof row.text !== 'string' || row.text.trim() === '') {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: "text" must be a non-empty string, got ${JSON.stringify(row.text)}`,
      );
    }
    const group = row.group;
    if (group !== undefined && group !== null && typeof group !== 'string') {
      throw new MeerkatError(
        'MEERKAT_DATA_INVALID',
        `${where}: "group" must be a string when present, got ${JSON.stringify(group)}`,
      );
    }
    chunkText(row.text, chunkChars).forEach((text, i) => {
      const source = `${where} chunk ${i + 1}`;
      out.push(
        typeof group === 'string' && group !== '' ? { text, group, source } : { text, source },
      );
    });
  }
  return out;
}
