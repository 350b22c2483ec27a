import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectLmErrorAsync } from '../../test/expect-lm-error.js';
import { loadCheckpoint } from '../checkpoint.js';
import { resolveModel } from '../models/resolve-model.js';
import { gitBlobSha1, type HubServer, sha256Hex, startHubServer } from '../testing/hub-server.js';
import { tinyModelFiles } from '../testing/tiny-model-files.js';
import { loadTokenizer } from '../tokenizer.js';
import { repoFolderName } from './hub-cache.js';

const COMMIT = 'a'.repeat(40);
const OTHER_COMMIT = 'b'.repeat(40);
const files = tinyModelFiles();
const weights = files['model.safetensors']!;

let server: HubServer;
const scratch = mkdtempSync(join(tmpdir(), 'meerkat-hub-'));
let cacheCount = 0;

beforeAll(async () => {
  server = await startHubServer();
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => {
  server.faults.clear();
  server.requests.length = 0;
});

/** A fresh, empty cache and an environment pointing at the loopback Hub. */
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cache = join(scratch, `cache-${cacheCount++}`);
  return {
    HF_HOME: join(cache, 'home'),
    MEERKAT_CACHE: join(cache, 'hub'),
    HF_ENDPOINT: server.endpoint,
    ...extra,
  };
}

function addRepo(repoId: string, options: { gatedToken?: string; omit?: string[] } = {}) {
  const repoFiles: Record<string, { content: Uint8Array; lfs?: boolean }> = {};
  for (const [name, content] of Object.entries(files)) {
    if (options.omit?.includes(name)) continue;
    repoFiles[name] = { content, lfs: name.endsWith('.safetensors') };
  }
  server.repos.set(repoId, {
    commit: COMMIT,
    files: repoFiles,
    ...(options.gatedToken === undefined ? {} : { gatedToken: options.gatedToken }),
  });
}

/** A loopback port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('the Hub client against a loopback Hub', () => {
  it('downloads a model into the Hub cache layout (blobs by ETag, relative links, refs/main)', async () => {
    addRepo('org/tiny');
    const env = freshEnv();
    const resolved = await resolveModel('hf:org/tiny', { env });
    const repoDir = join(env['MEERKAT_CACHE']!, repoFolderName('org/tiny'));
    expect(resolved).toEqual({
      dir: join(repoDir, 'snapshots', COMMIT),
      source: 'hub',
      downloaded: true,
    });
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(COMMIT);
    const blobs = readdirSync(join(repoDir, 'blobs')).sort();
    expect(blobs).toEqual(
      [
        sha256Hex(weights),
        gitBlobSha1(files['config.json']!),
        gitBlobSha1(files['tokenizer.json']!),
        gitBlobSha1(files['tokenizer_config.json']!),
      ].sort(),
    );
    const link = join(resolved.dir, 'model.safetensors');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(`../../blobs/${sha256Hex(weights)}`);
    expect(readFileSync(link).equals(weights)).toBe(true);
    // The snapshot is a model directory the loaders read.
    expect(loadCheckpoint(resolved.dir).config.hiddenSize).toBe(16);
    expect(loadTokenizer(resolved.dir).encode('the cat')[0]).toBe(1);
    // The safetensors came from the CDN origin after a redirect; small files via a relative one.
    expect(server.requests.some((r) => r.server === 'cdn' && r.method === 'GET')).toBe(true);
    expect(server.requests.some((r) => r.url.startsWith('/api/resolve-cache/'))).toBe(true);
  });

  it('reads a model already in the cache without one request, also offline', async () => {
    addRepo('org/tiny');
    const env = freshEnv();
    const first = await resolveModel('hf:org/tiny@main', { env });
    server.requests.length = 0;
    const second = await resolveModel('hf:org/tiny', { env: { ...env, HF_HUB_OFFLINE: '1' } });
    expect(second).toEqual({ ...first, downloaded: false });
    const byCommit = await resolveModel(`hf:org/tiny@${COMMIT}`, { env });
    expect(byCommit.dir).toBe(first.dir);
    expect(server.requests).toEqual([]);
  });

  it("finds a model that Python's huggingface_hub cached (its layout, made by hand here)", async () => {
    const env = freshEnv();
    const repoDir = join(env['MEERKAT_CACHE']!, 'models--py--cached');
    const snapshot = join(repoDir, 'snapshots', OTHER_COMMIT);
    mkdirSync(join(repoDir, 'blobs'), { recursive: true });
    mkdirSync(join(repoDir, 'refs'), { recursive: true });
    mkdirSync(snapshot, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      if (name === 'tokenizer_config.json') continue;
      const blob = name.endsWith('.safetensors') ? sha256Hex(content) : gitBlobSha1(content);
      writeFileSync(join(repoDir, 'blobs', blob), content);
      symlinkSync(`../../blobs/${blob}`, join(snapshot, name));
    }
    mkdirSync(join(repoDir, '.no_exist', OTHER_COMMIT), { recursive: true });
    writeFileSync(join(repoDir, '.no_exist', OTHER_COMMIT, 'tokenizer_config.json'), '');
    writeFileSync(join(repoDir, 'refs', 'main'), OTHER_COMMIT);
    const resolved = await resolveModel('hf:py/cached', { env });
    expect(resolved).toEqual({ dir: snapshot, source: 'hub', downloaded: false });
    expect(server.requests).toEqual([]);
  });

  it('sends HF_TOKEN as a bearer token to the Hub, never to the CDN; gated without it is LM_DOWNLOAD_UNAUTHORIZED', async () => {
    addRepo('org/gated', { gatedToken: 'hf_good' });
    const anonymous = await expectLmErrorAsync(
      resolveModel('hf:org/gated', { env: freshEnv() }),
      'LM_DOWNLOAD_UNAUTHORIZED',
      'gated',
      'set HF_TOKEN',
    );
    expect(anonymous.message).toContain(`${server.endpoint}/org/gated`);
    await expectLmErrorAsync(
      resolveModel('hf:org/gated', { env: freshEnv({ HF_TOKEN: 'hf_wrong' }) }),
      'LM_DOWNLOAD_UNAUTHORIZED',
      'HF_TOKEN is set, but that token was refused',
    );
    server.requests.length = 0;
    const ok = await resolveModel('hf:org/gated', { env: freshEnv({ HF_TOKEN: 'hf_good' }) });
    expect(ok.downloaded).toBe(true);
    const hubAuth = server.requests.filter((r) => r.server === 'hub').map((r) => r.authorization);
    expect(new Set(hubAuth)).toEqual(new Set(['Bearer hf_good']));
    expect(server.requests.filter((r) => r.server === 'cdn').map((r) => r.authorization)).toEqual([
      null,
    ]);
  });

  it('reads the token from $HF_HOME/token when HF_TOKEN is unset', async () => {
    addRepo('org/gated-file', { gatedToken: 'hf_from_file' });
    const env = freshEnv();
    mkdirSync(env['HF_HOME']!, { recursive: true });
    writeFileSync(join(env['HF_HOME']!, 'token'), 'hf_from_file\n');
    expect((await resolveModel('hf:org/gated-file', { env })).downloaded).toBe(true);
  });

  it('404s name the file and revision; an unknown repository says so', async () => {
    addRepo('org/tiny');
    addRepo('org/no-tokenizer', { omit: ['tokenizer.json'] });
    addRepo('org/no-weights', { omit: ['model.safetensors'] });
    await expectLmErrorAsync(
      resolveModel('hf:org/tiny@v9', { env: freshEnv() }),
      'LM_DOWNLOAD_NOT_FOUND',
      'revision "v9" does not exist in org/tiny',
    );
    await expectLmErrorAsync(
      resolveModel('hf:org/no-tokenizer', { env: freshEnv() }),
      'LM_DOWNLOAD_NOT_FOUND',
      'has no tokenizer.json',
    );
    await expectLmErrorAsync(
      resolveModel('hf:org/no-weights', { env: freshEnv() }),
      'LM_DOWNLOAD_NOT_FOUND',
      'neither model.safetensors nor model.safetensors.index.json',
    );
    await expectLmErrorAsync(
      resolveModel('hf:nobody/nothing', { env: freshEnv() }),
      'LM_DOWNLOAD_UNAUTHORIZED',
      'does not exist',
      'HF_TOKEN',
    );
  });

  it('resumes a download cut off mid-file with a Range request and keeps the whole file', async () => {
    addRepo('org/tiny');
    server.faults.set(`/cdn/${sha256Hex(weights)}`, { cutAfterBytes: 1000, cutRequests: 2 });
    const resolved = await resolveModel('hf:org/tiny', { env: freshEnv() });
    expect(readFileSync(join(resolved.dir, 'model.safetensors')).equals(weights)).toBe(true);
    const gets = server.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual([null, 'bytes=1000-', 'bytes=2000-']);
  });

  it('resumes from the .incomplete file an interrupted earlier run left', async () => {
    addRepo('org/tiny');
    const env = freshEnv();
    const blob = join(
      env['MEERKAT_CACHE']!,
      repoFolderName('org/tiny'),
      'blobs',
      sha256Hex(weights),
    );
    mkdirSync(join(blob, '..'), { recursive: true });
    writeFileSync(`${blob}.incomplete`, weights.subarray(0, 3000));
    const resolved = await resolveModel('hf:org/tiny', { env });
    expect(readFileSync(join(resolved.dir, 'model.safetensors')).equals(weights)).toBe(true);
    expect(existsSync(`${blob}.incomplete`)).toBe(false);
    const gets = server.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual(['bytes=3000-']);
  });

  it('deletes a file whose bytes do not match its ETag (LM_DOWNLOAD_CORRUPT) and never links it', async () => {
    addRepo('org/tiny');
    const bad = Uint8Array.from(weights);
    bad[500] = bad[500]! ^ 0xff;
    server.faults.set(`/cdn/${sha256Hex(weights)}`, { corruptWith: bad });
    const env = freshEnv();
    await expectLmErrorAsync(
      resolveModel('hf:org/tiny', { env }),
      'LM_DOWNLOAD_CORRUPT',
      'model.safetensors of org/tiny@',
      `expected ${sha256Hex(weights)}`,
      'deleted and not used',
    );
    const repoDir = join(env['MEERKAT_CACHE']!, repoFolderName('org/tiny'));
    expect(readdirSync(join(repoDir, 'blobs')).some((f) => f.startsWith(sha256Hex(weights)))).toBe(
      false,
    );
    expect(existsSync(join(repoDir, 'snapshots', COMMIT, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(repoDir, 'refs', 'main'))).toBe(false);
    // The server heals: the next run downloads it afresh.
    server.faults.clear();
    expect((await resolveModel('hf:org/tiny', { env })).downloaded).toBe(true);
  });

  it('a body that keeps ending short fails with LM_DOWNLOAD_FAILED, keeps the bytes, and the next run resumes', async () => {
    addRepo('org/tiny');
    const key = `/cdn/${sha256Hex(weights)}`;
    server.faults.set(key, { shortBytes: 700, shortRequests: 100 });
    const env = freshEnv();
    await expectLmErrorAsync(
      resolveModel('hf:org/tiny', { env }),
      'LM_DOWNLOAD_FAILED',
      'broke off 5 times',
      'the next run resumes',
    );
    const blob = join(
      env['MEERKAT_CACHE']!,
      repoFolderName('org/tiny'),
      'blobs',
      sha256Hex(weights),
    );
    expect(existsSync(blob)).toBe(false);
    const kept = readFileSync(`${blob}.incomplete`);
    expect(kept.equals(weights.subarray(0, kept.length))).toBe(true);
    server.faults.clear();
    server.requests.length = 0;
    expect((await resolveModel('hf:org/tiny', { env })).downloaded).toBe(true);
    const gets = server.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual([`bytes=${kept.length}-`]);
  });

  it('downloads a sharded checkpoint: the index and every shard it names', async () => {
    const shardA = Buffer.from('shard a bytes');
    const shardB = Buffer.from('shard b bytes, a few more');
    const index = Buffer.from(
      JSON.stringify({
        weight_map: {
          x: 'model-00001-of-00002.safetensors',
          y: 'model-00002-of-00002.safetensors',
        },
      }),
    );
    server.repos.set('org/sharded', {
      commit: COMMIT,
      files: {
        'config.json': { content: files['config.json']! },
        'tokenizer.json': { content: files['tokenizer.json']! },
        'model.safetensors.index.json': { content: index },
        'model-00001-of-00002.safetensors': { content: shardA, lfs: true },
        'model-00002-of-00002.safetensors': { content: shardB, lfs: true },
      },
    });
    const env = freshEnv();
    const resolved = await resolveModel('hf:org/sharded', { env });
    expect(
      readFileSync(join(resolved.dir, 'model-00002-of-00002.safetensors')).equals(shardB),
    ).toBe(true);
    const repoDir = join(env['MEERKAT_CACHE']!, repoFolderName('org/sharded'));
    for (const missing of ['tokenizer_config.json', 'model.safetensors']) {
      expect(existsSync(join(repoDir, '.no_exist', COMMIT, missing))).toBe(true);
    }
    server.requests.length = 0;
    expect((await resolveModel('hf:org/sharded', { env })).downloaded).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it('no network: names the host it could not reach and says --model DIR works offline', async () => {
    const port = await closedPort();
    const env = freshEnv({ HF_ENDPOINT: `http://127.0.0.1:${port}` });
    await expectLmErrorAsync(
      resolveModel('hf:org/tiny', { env }),
      'LM_NETWORK_UNREACHABLE',
      `could not reach 127.0.0.1:${port} (ECONNREFUSED)`,
      '--model DIR',
      'works offline',
    );
  });

  it('HF_HUB_OFFLINE=1 with nothing cached is LM_OFFLINE, and sends no request', async () => {
    addRepo('org/tiny');
    await expectLmErrorAsync(
      resolveModel('hf:org/tiny', { env: freshEnv({ HF_HUB_OFFLINE: '1' }) }),
      'LM_OFFLINE',
      'HF_HUB_OFFLINE',
    );
    expect(server.requests).toEqual([]);
  });
});
