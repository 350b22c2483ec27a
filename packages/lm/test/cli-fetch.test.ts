import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '@meerkat/cli-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { HubCacheRepo } from '../src/hub/hub-cache.js';
import { STORIES15M } from '../src/models/known-models.js';
import { convertLlama2cIntoCache } from '../src/models/llama2c-cache.js';
import type { Golden } from '../src/testing/golden.js';
import { type HubServer, startHubServer } from '../src/testing/hub-server.js';
import { sharedModel } from '../src/testing/shared-models.js';
import { tinyModelFiles } from '../src/testing/tiny-model-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-cli-fetch-'));
let server: HubServer;
beforeAll(async () => {
  server = await startHubServer();
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** Points the cache (and everything else a download reads) at a fresh directory. */
function useCache(name: string, extra: Record<string, string> = {}): string {
  const dir = join(scratch, name);
  vi.stubEnv('MEERKAT_CACHE', dir);
  vi.stubEnv('HF_HOME', join(dir, 'home'));
  vi.stubEnv('HF_TOKEN', '');
  vi.stubEnv('HF_HUB_OFFLINE', '');
  for (const [k, v] of Object.entries(extra)) vi.stubEnv(k, v);
  return dir;
}

describe('meerkat-lm fetch', () => {
  it('downloads hf:ORG/NAME into the cache, prints its directory, and reads the cache the second time', async () => {
    const files = tinyModelFiles();
    server.repos.set('org/tiny', {
      commit: 'c'.repeat(40),
      files: Object.fromEntries(
        Object.entries(files).map(([k, v]) => [k, { content: v, lfs: k.endsWith('.safetensors') }]),
      ),
    });
    const cache = useCache('fetch-hub', { HF_ENDPOINT: server.endpoint });
    const first = await run('fetch', 'hf:org/tiny', '--json');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as Record<string, unknown>;
    expect(report).toMatchObject({
      model: 'hf:org/tiny',
      dir: join(cache, 'models--org--tiny', 'snapshots', 'c'.repeat(40)),
      source: 'hub',
      downloaded: true,
      cache,
    });
    expect(first.err).toContain(`fetching hf:org/tiny from ${server.endpoint}`);
    server.requests.length = 0;
    const second = await run('fetch', 'hf:org/tiny');
    expect(second).toEqual({
      code: 0,
      out: `${report['dir']}\n`,
      err: 'meerkat-lm fetch: hf:org/tiny: already in the cache\n',
    });
    expect(server.requests).toEqual([]);
    // generate runs on the fetched model through the same resolution.
    const gen = await run(
      'generate',
      '--model',
      'hf:org/tiny',
      '--text',
      'the cat',
      '--max-new-tokens',
      '2',
      '--backend',
      'reference:cpu',
      '--json',
    );
    expect(gen.code).toBe(0);
    expect((JSON.parse(gen.out) as { new_ids: number[] }).new_ids).toHaveLength(2);
  });

  it('errors are one line with a stable code: no NAME (exit 2), an unknown model, a 404', async () => {
    useCache('fetch-errors', { HF_ENDPOINT: server.endpoint });
    const none = await run('fetch');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(
      /^meerkat-lm fetch: fetch needs NAME \(stories15M .*\(see meerkat-lm fetch --help\)\n$/,
    );
    const unknown = await run('fetch', 'no-such-model');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain(
      'meerkat-lm fetch: LM_MODEL_NOT_FOUND: --model no-such-model: no such directory or file',
    );
    expect(unknown.err).toContain('hf:ORG/NAME[@REVISION]');
    const missing = await run('logits', '--model', 'hf:org/absent', '--text', 'x');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      'meerkat-lm logits: LM_DOWNLOAD_UNAUTHORIZED: HTTP 401 for config.json of org/absent',
    );
    const help = await run('fetch', '--help');
    expect(help.out).toContain('Usage: meerkat-lm fetch NAME [--json]');
    expect(help.out).toContain('models--meerkat--stories15M');
  });
});

const s15 = sharedModel('stories15M');
describe.skipIf(!s15.present)(
  `--model stories15M from the cache${s15.skipNote}`,
  { timeout: 120_000 },
  () => {
    it('logits --model stories15M --backend tfjs:wasm --json matches golden.json within 1e-4, with no network', async () => {
      // Fill the cache the way the npm fetch does after its download (same files, same snapshot),
      // and point the registry at nothing: the cache alone must serve the model.
      const cache = useCache('stories15M', { npm_config_registry: 'http://127.0.0.1:1/' });
      const dir = await convertLlama2cIntoCache({
        repo: new HubCacheRepo(cache, STORIES15M.repoId),
        checkpoint: join(s15.dir, 'original', 'stories15M.bin'),
        tokenizer: join(s15.dir, 'original', 'tokenizer.bin'),
        checkpointSha256: STORIES15M.checkpoint.sha256,
        tokenizerSha256: STORIES15M.tokenizer.sha256,
      });
      const fetched = await run('fetch', 'stories15M');
      expect(fetched.out).toBe(`${dir}\n`);
      const golden = JSON.parse(readFileSync(join(s15.dir, 'golden.json'), 'utf8')) as Golden;
      for (const c of golden.cases) {
        const r = await run(
          'logits',
          '--model',
          'stories15M',
          '--text',
          c.text,
          '--backend',
          'tfjs:wasm',
          '--json',
        );
        expect(r.err).toBe('');
        const got = JSON.parse(r.out) as { ids: number[]; last_logits: number[] };
        expect(got.ids).toEqual(c.ids);
        let worst = 0;
        got.last_logits.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - c.last_logits[i]!));
        });
        expect(worst, `${c.text}: max |Δlogit|`).toBeLessThan(1e-4);
      }
    });
  },
);

const s260 = sharedModel('stories260K');
describe.skipIf(!s260.present)(`llama2.c checkpoints on the command line${s260.skipNote}`, () => {
  it('--model FILE.bin converts once into the cache and gives the golden logits; convert writes the same layout', async () => {
    useCache('llama2c');
    const bin = join(s260.dir, 'original', 'stories260K.bin');
    const golden = JSON.parse(readFileSync(join(s260.dir, 'golden.json'), 'utf8')) as Golden;
    const c = golden.cases[0]!;
    const r = await run(
      'logits',
      '--model',
      bin,
      '--text',
      c.text,
      '--backend',
      'reference:cpu',
      '--json',
    );
    expect(r.err).toBe('');
    const got = JSON.parse(r.out) as { ids: number[]; last_logits: number[] };
    expect(got.ids).toEqual(c.ids);
    expect(
      Math.max(...got.last_logits.map((v, i) => Math.abs(v - c.last_logits[i]!))),
    ).toBeLessThan(1e-4);
    const fetched = JSON.parse((await run('fetch', bin, '--json')).out) as Record<string, unknown>;
    expect(fetched).toMatchObject({ source: 'llama2c', downloaded: false });
    expect(String(fetched['dir'])).toContain('models--meerkat--llama2c-stories260K');

    const out = join(scratch, 'converted-260K');
    const converted = await run('convert', '--checkpoint', bin, '--out', out);
    expect(converted.code).toBe(0);
    expect(converted.out).toContain(
      `${out}: config.json, tokenizer.json, tokenizer_config.json, model.safetensors`,
    );
    expect(converted.out).toContain('260,032 parameters');
    expect(converted.out).toContain(`tokenizer from ${join(s260.dir, 'original', 'tok512.bin')}`);
    const viaDir = await run(
      'logits',
      '--model',
      out,
      '--text',
      c.text,
      '--backend',
      'reference:cpu',
      '--json',
    );
    expect(viaDir.out).toBe(r.out);
  });
});
