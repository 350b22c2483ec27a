import { captureIo } from '@meerkat/cli-kit';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { GOLDEN } from '../src/testing/golden.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../src/testing/model-dir.js';

const BACKENDS = ['reference:cpu', 'tfjs:wasm'];

async function logitsJson(text: string, backend: string) {
  const io = captureIo();
  const code = await runCli(
    ['logits', '--model', STORIES_DIR, '--text', text, '--backend', backend, '--json'],
    io,
  );
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  return { out: io.out(), parsed: JSON.parse(io.out()) as Record<string, number[]> };
}

describe.skipIf(!HAVE_STORIES)(
  `meerkat-lm logits on stories260K${STORIES_SKIP_NOTE}`,
  { timeout: 60_000 },
  () => {
    for (const backend of BACKENDS) {
      it(`--json gives golden.json's ids and last_logits (within 1e-4) for every case on ${backend}`, async () => {
        for (const c of GOLDEN!.cases) {
          const { out, parsed } = await logitsJson(c.text, backend);
          expect(Object.keys(parsed)).toEqual(['ids', 'last_logits']);
          expect(out.endsWith('}\n')).toBe(true);
          expect(parsed['ids']).toEqual(c.ids);
          const got = parsed['last_logits']!;
          expect(got).toHaveLength(c.last_logits.length);
          let worst = 0;
          got.forEach((v, i) => {
            worst = Math.max(worst, Math.abs(v - c.last_logits[i]!));
          });
          expect(worst, `${c.text}: max |Δlogit|`).toBeLessThan(1e-4);
        }
      });
    }

    it('without --json prints the ids, tokens and a top-k table whose first row is the golden argmax', async () => {
      const c = GOLDEN!.cases[0]!;
      const io = captureIo();
      const code = await runCli(
        [
          'logits',
          '--model',
          STORIES_DIR,
          '--text',
          c.text,
          '--backend',
          'reference:cpu',
          '--top',
          '3',
        ],
        io,
      );
      expect(code).toBe(0);
      const out = io.out();
      expect(out).toContain(`ids     ${c.ids.join(' ')}`);
      expect(out).toContain('"<s>" "▁Once" "▁upon" "▁a" "▁time"');
      const argmax = c.last_logits.indexOf(Math.max(...c.last_logits));
      const rows = out.split('\n').filter((l) => /^\s+\d+\s+\d+\s+"/.test(l));
      expect(rows).toHaveLength(3);
      expect(rows[0]!.trim().split(/\s+/).slice(0, 2)).toEqual(['1', String(argmax)]);
      // probabilities are a softmax: descending and in (0, 1)
      const probs = rows.map((r) => Number(r.trim().split(/\s+/).at(-1)));
      expect(probs[0]).toBeGreaterThan(probs[1]!);
      expect(probs[0]).toBeLessThan(1);
    });
  },
);
