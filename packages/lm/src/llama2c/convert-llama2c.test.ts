import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../checkpoint.js';
import { sharedModel } from '../testing/shared-models.js';
import { loadTokenizer } from '../tokenizer.js';
import { convertLlama2c, findLlama2cTokenizer } from './convert-llama2c.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-llama2c-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

for (const [name, bin, tok] of [
  ['stories260K', 'stories260K.bin', 'tok512.bin'],
  ['stories15M', 'stories15M.bin', 'tokenizer.bin'],
] as const) {
  const model = sharedModel(name);
  describe.skipIf(!model.present)(`convertLlama2c on ${name}'s ${bin}${model.skipNote}`, () => {
    it('writes the same config, tensors (bit for bit) and tokenizer as the shared HF conversion', () => {
      const checkpoint = join(model.dir, 'original', bin);
      const out = join(scratch, name);
      const tokenizer = findLlama2cTokenizer(checkpoint, name === 'stories15M' ? 32000 : 512);
      expect(tokenizer).toBe(join(model.dir, 'original', tok));
      const converted = convertLlama2c({ checkpoint, tokenizer, out });
      expect(converted.files).toEqual([
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'model.safetensors',
      ]);
      const json = (dir: string, file: string) =>
        JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      expect(json(out, 'config.json')).toEqual(json(model.dir, 'config.json'));
      expect(json(out, 'tokenizer_config.json')).toEqual(json(model.dir, 'tokenizer_config.json'));
      const mine = loadCheckpoint(out);
      const theirs = loadCheckpoint(model.dir);
      expect(mine.parameterCount).toBe(theirs.parameterCount);
      expect(converted.parameterCount).toBe(theirs.parameterCount);
      expect([...mine.tensors.keys()].sort()).toEqual([...theirs.tensors.keys()].sort());
      for (const [tensorName, t] of theirs.tensors) {
        const m = mine.tensors.get(tensorName)!;
        expect(m.shape, tensorName).toEqual(t.shape);
        const a = m.data();
        const b = t.data();
        let differ = 0;
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
        expect(differ, `${tensorName}: elements that differ`).toBe(0);
      }
      const text = 'Once upon a time, Lily saw a big dog.';
      expect(loadTokenizer(out).encode(text)).toEqual(loadTokenizer(model.dir).encode(text));
    });
  });
}
