import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubServer, startHubServer, tinyModelFiles } from '@meerkat/lm/testing';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isModelName } from '../src/cli/model-arg.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-model-arg-'));
let server: HubServer;
beforeAll(async () => {
  server = await startHubServer();
  server.repos.set('org/tiny', {
    commit: 'd'.repeat(40),
    files: Object.fromEntries(
      Object.entries(tinyModelFiles()).map(([k, v]) => [
        k,
        { content: v, lfs: k.endsWith('.safetensors') },
      ]),
    ),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string>) {
  const io = memoryIo(scratch, { env });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const calibrate = (model: string, out: string) => [
  'calibrate',
  '--model',
  model,
  '--batches',
  '1',
  '--batch-size',
  '1',
  '--seq-len',
  '8',
  '--out',
  out,
  '--json',
];

describe('meerkat --model: directories, llama2.c files, cache names and hf: ids', () => {
  it('calibrate --model hf:ORG/NAME downloads into the cache the environment names, then reads it', async () => {
    const env = { MEERKAT_CACHE: join(scratch, 'cache'), HF_ENDPOINT: server.endpoint };
    const first = await run(calibrate('hf:org/tiny', join(scratch, 'a.bin')), env);
    expect(first.err).toContain(`meerkat: fetching hf:org/tiny from ${server.endpoint}`);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as { model: string; k: number };
    expect(report.model).toBe(
      join(scratch, 'cache', 'models--org--tiny', 'snapshots', 'd'.repeat(40)),
    );
    expect(existsSync(join(scratch, 'a.bin'))).toBe(true);
    server.requests.length = 0;
    const second = await run(calibrate('hf:org/tiny', join(scratch, 'b.bin')), env);
    expect(second.code).toBe(0);
    expect(second.err).not.toContain('fetching');
    expect(server.requests).toEqual([]);
  });

  it('a value that is neither a path nor a model name is CLI_MODEL_NOT_FOUND, listing the forms', async () => {
    const r = await run(calibrate('no-such-model', join(scratch, 'c.bin')), {});
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--model ${join(scratch, 'no-such-model')}: no such directory or file`);
    expect(r.err).toContain('stories15M (fetched from the npm registry');
    expect(r.err).toContain('hf:ORG/NAME[@REVISION]');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('isModelName: hf: ids and cache names, unless a path of that name exists', () => {
    expect(isModelName('hf:org/x', scratch)).toBe(true);
    expect(isModelName('stories15M', scratch)).toBe(true);
    expect(isModelName('stories15M', join(STORIES_DIR, '..'))).toBe(
      !existsSync(join(STORIES_DIR, '..', 'stories15M')),
    );
    expect(isModelName('some/dir', scratch)).toBe(false);
  });

  it.skipIf(!HAVE_STORIES)(
    `calibrate --model a llama2.c .bin converts it once into the cache${STORIES_SKIP_NOTE}`,
    async () => {
      const env = { MEERKAT_CACHE: join(scratch, 'cache-bin') };
      const bin = join(STORIES_DIR, 'original', 'stories260K.bin');
      const r = await run(calibrate(bin, join(scratch, 'd.bin')), env);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as { model: string; k: number; d: number };
      expect(report.model).toContain(
        join(scratch, 'cache-bin', 'models--meerkat--llama2c-stories260K'),
      );
      expect(report.d).toBe(260_032);
    },
  );
});
