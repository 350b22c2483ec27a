import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { LmError } from '../errors.js';

const BLOCK = 512;

/** A tar number field: octal text, or base-256 when the first byte has its high bit set. */
function tarNumber(field: Uint8Array): number {
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = new TextDecoder().decode(field).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

const text = (field: Uint8Array) => new TextDecoder().decode(field).replace(/\0.*$/s, '');

/** The `path` and `size` records of a pax extended header (`"<len> <key>=<value>\n"` each). */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const body = new TextDecoder().decode(data);
  for (const line of body.split('\n')) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match !== null) out.set(match[1]!, match[2]!);
  }
  return out;
}

/**
 * Streams the entry `name` of a gzipped tar archive (an npm package tarball) to `sink`, chunk by
 * chunk, reading nothing else into memory and writing nothing else to disk. Understands ustar
 * prefixes, pax `path`/`size` records and GNU long names. Returns the entry's size; an archive
 * without the entry, or one that ends inside it, is `LM_DOWNLOAD_CORRUPT`.
 */
export async function streamTgzEntry(
  archive: string,
  name: string,
  sink: (chunk: Uint8Array) => void,
): Promise<number> {
  const corrupt = (why: string) =>
    new LmError('LM_DOWNLOAD_CORRUPT', `${archive}: ${why}; delete it and download it again.`);
  const header = new Uint8Array(BLOCK);
  let headerFill = 0;
  let remaining = 0; // data bytes of the current entry still to come
  let padding = 0; // zero bytes after them, up to the next block
  let target = false;
  let collect: Uint8Array[] | null = null; // the data of a pax or GNU long-name header
  let pending: { path?: string; size?: number } = {};
  let found = -1;
  const source = createReadStream(archive).pipe(createGunzip());
  try {
    for await (const piece of source) {
      const chunk = piece as Buffer;
      let at = 0;
      while (at < chunk.length) {
        if (remaining > 0) {
          const n = Math.min(remaining, chunk.length - at);
          const part = chunk.subarray(at, at + n);
          if (target) sink(part);
          else if (collect !== null) collect.push(Uint8Array.from(part));
          remaining -= n;
          at += n;
          if (remaining === 0) {
            if (target) return found;
            if (collect !== null) {
              const data = Buffer.concat(collect);
              collect = null;
              const flag = String.fromCharCode(header[156]!);
              if (flag === 'L') pending = { ...pending, path: text(data) };
              else {
                const records = paxRecords(data);
                const path = records.get('path');
                const size = records.get('size');
                if (flag === 'x') {
                  pending = {
                    ...pending,
                    ...(path === undefined ? {} : { path }),
                    ...(size === undefined ? {} : { size: Number(size) }),
                  };
                }
              }
            }
          }
          continue;
        }
        if (padding > 0) {
          const n = Math.min(padding, chunk.length - at);
          padding -= n;
          at += n;
          continue;
        }
        const n = Math.min(BLOCK - headerFill, chunk.length - at);
        header.set(chunk.subarray(at, at + n), headerFill);
        headerFill += n;
        at += n;
        if (headerFill < BLOCK) continue;
        headerFill = 0;
        if (header.every((b) => b === 0)) continue; // end-of-archive blocks
        const flag = String.fromCharCode(header[156]!);
        const prefix = text(header.subarray(345, 500));
        const base = text(header.subarray(0, 100));
        const path = pending.path ?? (prefix === '' ? base : `${prefix}/${base}`);
        const size = pending.size ?? tarNumber(header.subarray(124, 136));
        if (!Number.isSafeInteger(size) || size < 0) throw corrupt('a tar header is malformed');
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (flag === 'x' || flag === 'g' || flag === 'L') {
          collect = [];
          if (size === 0) collect = null;
          continue;
        }
        pending = {};
        target = (flag === '0' || flag === '\0') && path === name;
        if (target) {
          found = size;
          if (size === 0) return 0;
        }
      }
    }
  } catch (error) {
    if (error instanceof LmError) throw error;
    throw corrupt(`it is not a readable gzipped tar (${(error as Error).message})`);
  } finally {
    source.destroy();
  }
  throw corrupt(found >= 0 ? `the archive ends inside ${name}` : `it has no ${name}`);
}
