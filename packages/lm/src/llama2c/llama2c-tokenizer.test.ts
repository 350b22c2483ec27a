import { describe, expect, it } from 'vitest';
import { expectLmError } from '../../test/expect-lm-error.js';
import { parseLlama2cTokenizer } from './llama2c-tokenizer.js';

/** A tokenizer.bin in llama2.c's layout: max length, then (score, length, bytes) per piece. */
function tokenizerBin(pieces: readonly string[], scores?: readonly number[]): Uint8Array {
  const encoded = pieces.map((p) => new TextEncoder().encode(p));
  const size = 4 + encoded.reduce((s, b) => s + 8 + b.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt32(0, Math.max(1, ...encoded.map((b) => b.length)), true);
  let at = 4;
  encoded.forEach((b, i) => {
    view.setFloat32(at, scores?.[i] ?? -i, true);
    view.setInt32(at + 4, b.length, true);
    out.set(b, at + 8);
    at += 8 + b.length;
  });
  return out;
}

const bytePieces = (spell: (b: number) => string) =>
  Array.from({ length: 256 }, (_, b) => spell(b));

describe('parseLlama2cTokenizer', () => {
  it('restores ▁, <s>, </s> and the <0xXX> byte pieces written as characters U+0000…U+00FF', () => {
    const pieces = [
      '<unk>',
      '\n<s>\n',
      '\n</s>\n',
      ...bytePieces((b) => String.fromCharCode(b)),
      ' the',
      'A',
      '\uFEFF',
    ];
    const v = parseLlama2cTokenizer(tokenizerBin(pieces), 'tokenizer.bin');
    expect(v.pieces.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(v.pieces[3 + 0x20]).toBe('<0x20>');
    expect(v.pieces[3 + 0x41]).toBe('<0x41>');
    expect(v.pieces[258]).toBe('<0xFF>');
    expect(v.pieces.slice(259)).toEqual(['\u2581the', 'A', '\uFEFF']);
    expect(v.byteFallbackStart).toBe(3);
    expect([v.unkId, v.bosId, v.eosId]).toEqual([0, 1, 2]);
    expect(v.scores[260]).toBe(-260);
  });

  it('keeps <0xXX> spellings and reports no byte fallback when the 256 byte pieces are absent', () => {
    const spelled = [
      '<unk>',
      '\n<s>\n',
      '\n</s>\n',
      ...bytePieces((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`),
    ];
    expect(parseLlama2cTokenizer(tokenizerBin(spelled), 't').byteFallbackStart).toBe(3);
    const plain = parseLlama2cTokenizer(tokenizerBin(['<unk>', '\n<s>\n', '\n</s>\n', 'a b']), 't');
    expect(plain.byteFallbackStart).toBeNull();
    expect(plain.pieces[3]).toBe('a\u2581b');
  });

  it('rejects truncated files, impossible lengths and vocabularies without <s>', () => {
    const good = tokenizerBin(['<unk>', '\n<s>\n', '\n</s>\n', 'hello']);
    expectLmError(
      () => parseLlama2cTokenizer(good.subarray(0, good.length - 2), 't.bin'),
      'LM_LLAMA2C_INVALID',
      'truncated',
    );
    expectLmError(
      () => parseLlama2cTokenizer(good.subarray(0, good.length - 10), 't.bin'),
      'LM_LLAMA2C_INVALID',
      'truncated',
    );
    expectLmError(
      () => parseLlama2cTokenizer(new Uint8Array(4), 't.bin'),
      'LM_LLAMA2C_INVALID',
      'max piece length 0',
    );
    expectLmError(
      () => parseLlama2cTokenizer(tokenizerBin(['<unk>', 'a']), 't.bin'),
      'LM_LLAMA2C_INVALID',
      'no <s> piece',
    );
  });
});
