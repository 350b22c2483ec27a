// Writes small gzipped tar archives for tests (ustar headers; a pax header or a GNU long name
// for a long path), the way npm package tarballs are made.
import { gzipSync } from 'node:zlib';

/** One regular file of an archive. */
export interface TarEntry {
  readonly name: string;
  readonly content: Uint8Array;
  /** How to store a name longer than 100 bytes. */
  readonly longName?: 'pax' | 'gnu';
}

function header(name: string, size: number, flag: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(flag, 156);
  h.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

function record(data: Uint8Array, name: string, flag: string): Buffer[] {
  return [header(name, data.length, flag), Buffer.from(data), pad(data.length)];
}

/** A `.tgz` holding `entries` in order. */
export function makeTgz(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.longName === 'pax') {
      const line = (key: string, value: string) => {
        const body = ` ${key}=${value}\n`;
        let len = body.length + 1;
        while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
        return `${len}${body}`;
      };
      parts.push(...record(Buffer.from(line('path', e.name)), 'PaxHeader', 'x'));
    } else if (e.longName === 'gnu') {
      parts.push(...record(Buffer.from(`${e.name}\0`), '././@LongLink', 'L'));
    }
    parts.push(...record(e.content, e.name, '0'));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
