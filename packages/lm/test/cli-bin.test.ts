import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN } from '../src/testing/golden.js';
import { HAVE_STORIES, STORIES_DIR } from '../src/testing/model-dir.js';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const HAVE_BIN = existsSync(BIN);
const SKIP = HAVE_BIN
  ? HAVE_STORIES
    ? ''
    : ` [SKIPPED: ${STORIES_DIR} not found]`
  : ` [SKIPPED: ${BIN} not built; run \`npx turbo run build --filter=@meerkat/lm\` (npm test builds first)]`;

function runBin(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(!HAVE_BIN || !HAVE_STORIES)(
  `the built meerkat-lm executable${SKIP}`,
  { timeout: 60_000 },
  () => {
    it('starts with a node hashbang and runs logits --json to golden.json within 1e-4', () => {
      const c = GOLDEN!.cases[1]!;
      const r = runBin(
        'logits',
        '--model',
        STORIES_DIR,
        '--text',
        c.text,
        '--backend',
        'reference:cpu',
        '--json',
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { ids: number[]; last_logits: number[] };
      expect(out.ids).toEqual(c.ids);
      const worst = Math.max(...out.last_logits.map((v, i) => Math.abs(v - c.last_logits[i]!)));
      expect(worst).toBeLessThan(1e-4);
    });

    it('exits 2 with one line on stderr for a bad flag, and 0 for --help', () => {
      const bad = runBin('bench', '--config', 'm10', '--batch', 'many', '--seq', '8');
      expect(bad.status).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe(
        'meerkat-lm bench: --batch must be an integer ≥ 1, got "many" (see meerkat-lm bench --help)\n',
      );
      const help = runBin('generate', '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('--max-new-tokens N');
    });
  },
);
