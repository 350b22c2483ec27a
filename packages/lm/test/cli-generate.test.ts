import { captureIo } from '@meerkat/cli-kit';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { GOLDEN } from '../src/testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../src/testing/model-dir.js';
import { loadTokenizer } from '../src/tokenizer.js';

describe.skipIf(!HAVE_STORIES)(
  `meerkat-lm generate on stories260K${STORIES_SKIP_NOTE}`,
  { timeout: 60_000 },
  () => {
    const golden = GOLDEN?.greedy;
    const newTokens = golden === undefined ? 0 : golden.ids.length - 5;

    for (const backend of ['reference:cpu', 'tfjs:wasm']) {
      it(`--json reproduces golden.json's greedy ids (${newTokens} new tokens) on ${backend}`, async () => {
        const io = captureIo();
        const code = await runCli(
          [
            'generate',
            '--model',
            STORIES_DIR,
            '--text',
            golden!.prompt,
            '--max-new-tokens',
            String(newTokens),
            '--backend',
            backend,
            '--json',
          ],
          io,
        );
        expect(io.err()).toBe('');
        expect(code).toBe(0);
        const out = JSON.parse(io.out()) as { ids: number[]; new_ids: number[]; text: string };
        expect(out.ids).toEqual(golden!.ids);
        expect(out.new_ids).toEqual(golden!.ids.slice(golden!.ids.length - newTokens));
        const tok = loadTokenizer(STORIES_DIR);
        expect(out.text).toBe(tok.decode(golden!.ids, { skipSpecialTokens: true }));
        expect(out.text.startsWith('Once upon a time')).toBe(true);
      });
    }

    it('prints the decoded text without --json, and --max-new-tokens 0 gives the prompt back', async () => {
      const io = captureIo();
      const args = [
        'generate',
        '--model',
        STORIES_DIR,
        '--text',
        'Once upon a time',
        '--backend',
        'reference:cpu',
      ];
      expect(await runCli([...args, '--max-new-tokens', '3'], io)).toBe(0);
      const tok = loadTokenizer(STORIES_DIR);
      expect(io.out()).toBe(
        `${tok.decode(golden!.ids.slice(0, 8), { skipSpecialTokens: true })}\n`,
      );
      const io0 = captureIo();
      expect(await runCli([...args, '--max-new-tokens', '0'], io0)).toBe(0);
      expect(io0.out()).toBe('Once upon a time\n');
    });
  },
);
