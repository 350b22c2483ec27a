import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmError } from './errors.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './testing/model-dir.js';
import { LmTokenizer, loadTokenizer } from './tokenizer.js';

const read = (name: string) => JSON.parse(readFileSync(join(STORIES_DIR, name), 'utf8'));

describe.skipIf(!HAVE_STORIES)(`stories260K tokenizer${STORIES_SKIP_NOTE}`, () => {
  it('reproduces all 215 golden-tokenizer.json encodings exactly (BOS included)', () => {
    const tok = loadTokenizer(STORIES_DIR);
    const golden: { text: string; ids: number[] }[] = read('golden-tokenizer.json');
    expect(golden.length).toBe(215);
    const mismatches = golden.filter(
      (g) => JSON.stringify(tok.encode(g.text)) !== JSON.stringify(g.ids),
    );
    expect(mismatches.map((g) => g.text.slice(0, 40))).toEqual([]);
    expect(tok.encode('')).toEqual([1]);
  });

  it("matches golden.json cases' ids and decodes them back", () => {
    const tok = loadTokenizer(STORIES_DIR);
    const golden: { cases: { text: string; ids: number[] }[] } = read('golden.json');
    for (const c of golden.cases) {
      expect(tok.encode(c.text)).toEqual(c.ids);
      expect(tok.decode(c.ids, { skipSpecialTokens: true })).toBe(c.text);
    }
  });

  it('exposes BOS/EOS and the add_bos_token policy', () => {
    const tok = loadTokenizer(STORIES_DIR);
    expect([tok.bosTokenId, tok.eosTokenId, tok.addBosToken, tok.vocabSize]).toEqual([
      1,
      2,
      true,
      512,
    ]);
    expect(tok.encode('Once upon a time', { addSpecialTokens: false })).toEqual([
      403, 407, 261, 378,
    ]);
    expect(tok.decode([1, 403])).toBe('<s> Once');
    expect(tok.tokens([403, 407])).toEqual(['▁Once', '▁upon']);
    const noBos = LmTokenizer.fromJson(read('tokenizer.json'), {
      ...read('tokenizer_config.json'),
      add_bos_token: false,
    });
    expect(noBos.encode('Once upon a time')).toEqual([403, 407, 261, 378]);
    const withEos = LmTokenizer.fromJson(read('tokenizer.json'), {
      ...read('tokenizer_config.json'),
      add_eos_token: true,
    });
    expect(withEos.encode('Once upon a time')).toEqual([1, 403, 407, 261, 378, 2]);
    // Without add_bos_token the tokenizer.json post-processor (which adds <s>) decides.
    const postProcessor = LmTokenizer.fromJson(read('tokenizer.json'), { bos_token: '<s>' });
    expect(postProcessor.encode('Once')).toEqual([1, 403]);
  });

  it('rejects out-of-vocabulary ids and bad files with LM_TOKENIZER_INVALID', () => {
    const tok = loadTokenizer(STORIES_DIR);
    expect(() => tok.decode([512])).toThrowError(LmError);
    expect(() => tok.decode([3, -1])).toThrowError(
      expect.objectContaining({
        code: 'LM_TOKENIZER_INVALID',
        message: expect.stringContaining('-1'),
      }),
    );
    expect(() => LmTokenizer.fromJson([])).toThrowError(/tokenizer.json/);
    expect(() =>
      LmTokenizer.fromJson(read('tokenizer.json'), { add_bos_token: true, bos_token: '<nope>' }),
    ).toThrowError(/bos_token/);
    expect(() => loadTokenizer('/nonexistent-dir')).toThrowError(/tokenizer.json/);
  });
});
