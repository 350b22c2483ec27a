import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmTokenizer } from '../lm-tokenizer.js';
import { sharedModel } from '../testing/shared-models.js';
import { parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import {
  llamaTokenizerConfigJson,
  sentencePieceMerges,
  sentencePieceTokenizerJson,
} from './sentencepiece-tokenizer-json.js';

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

for (const [name, bin, maxLength] of [
  ['stories260K', 'tok512.bin', 512],
  ['stories15M', 'tokenizer.bin', 256],
] as const) {
  const model = sharedModel(name);
  describe.skipIf(!model.present)(`tokenizer.json from ${name}'s ${bin}${model.skipNote}`, () => {
    const vocab = () => parseLlama2cTokenizer(readFileSync(join(model.dir, 'original', bin)), bin);

    it('equals the shared tokenizer.json and tokenizer_config.json field for field', () => {
      const v = vocab();
      const { model: madeModel, ...madeRest } = sentencePieceTokenizerJson(v) as {
        model: Record<string, unknown>;
      };
      const { model: realModel, ...realRest } = json(join(model.dir, 'tokenizer.json')) as {
        model: Record<string, unknown>;
      };
      expect(madeRest).toEqual(realRest);
      const { merges: madeMerges, ...madeBpe } = madeModel;
      const { merges: realMerges, ...realBpe } = realModel;
      expect(madeBpe).toEqual(realBpe);
      // Compared as lines: a deep-equality diff of 61,249 pairs takes minutes to print.
      const lines = (m: unknown) => (m as string[][]).map((pair) => pair.join(' '));
      const made = lines(madeMerges);
      const real = lines(realMerges);
      const firstDifference = made.findIndex((m, i) => m !== real[i]);
      expect({ count: made.length, firstDifference }).toEqual({
        count: real.length,
        firstDifference: -1,
      });
      expect(llamaTokenizerConfigJson(v, maxLength)).toEqual(
        json(join(model.dir, 'tokenizer_config.json')),
      );
    });

    it('tokenizes every golden-tokenizer.json text to the llama2.c ids', () => {
      const v = vocab();
      const tok = LmTokenizer.fromJson(
        JSON.parse(JSON.stringify(sentencePieceTokenizerJson(v))),
        llamaTokenizerConfigJson(v, maxLength),
      );
      const golden = json(join(model.dir, 'golden-tokenizer.json')) as unknown as {
        text: string;
        ids: number[];
      }[];
      const wrong = golden.filter((c) => {
        const ids = tok.encode(c.text);
        return ids.length !== c.ids.length || ids.some((id, i) => id !== c.ids[i]);
      });
      expect(golden.length).toBe(215);
      expect(wrong.map((c) => c.text.slice(0, 40))).toEqual([]);
    });
  });
}

describe('sentencePieceMerges', () => {
  it('splits by code point, orders by score, and keeps split order within a score', () => {
    const pieces = ['a', 'b', 'ab', 'abb', '😀', 'a😀', 'bb'];
    const scores = [0, 0, -1, -3, 0, -2, -3];
    expect(sentencePieceMerges(pieces, scores)).toEqual([
      ['a', 'b'],
      ['a', '😀'],
      ['a', 'bb'],
      ['ab', 'b'],
      ['b', 'b'],
    ]);
  });
});
