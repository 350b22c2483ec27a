import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectLmError } from '../test/expect-lm-error.js';
import { f16ToF32 } from './float16.js';
import { readSafetensors } from './safetensors.js';
import {
  loadSafetensorsFile,
  loadShardedSafetensors,
  writeSafetensorsFile,
} from './safetensors-node.js';
import { encodeSafetensors } from './safetensors-writer.js';

const utf8 = new TextEncoder();

/** A hand-built file: header JSON (unpadded) + raw data bytes. */
function craft(header: unknown, data: Uint8Array): Uint8Array {
  const json = utf8.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const a = Float32Array.from([1, -2.5, 3.25, 0, 1e-8, -65504]);
const b = Float32Array.from([0.1, 0.2, 0.3]);

describe('readSafetensors on hand-built files', () => {
  it('reads F32, F16 and BF16 little-endian data and metadata', () => {
    const data = new Uint8Array(4 * 2 + 2 * 2 + 2 * 2);
    const dv = new DataView(data.buffer);
    dv.setFloat32(0, 1.5, true);
    dv.setFloat32(4, -7, true);
    dv.setUint16(8, 0x3c00, true); // 1
    dv.setUint16(10, 0x0001, true); // smallest subnormal
    dv.setUint16(12, 0x4049, true); // bf16 3.140625
    dv.setUint16(14, 0xff80, true); // bf16 -inf
    const file = readSafetensors(
      craft(
        {
          __metadata__: { format: 'pt' },
          f32: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          f16: { dtype: 'F16', shape: [1, 2], data_offsets: [8, 12] },
          bf16: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
        },
        data,
      ),
      'hand.safetensors',
    );
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['f32', 'f16', 'bf16']);
    expect([...file.tensors.get('f32')!.data()]).toEqual([1.5, -7]);
    expect(file.tensors.get('f16')!.shape).toEqual([1, 2]);
    expect([...file.tensors.get('f16')!.data()]).toEqual([1, f16ToF32(1)]);
    expect(file.tensors.get('f16')!.data()[1]).toBe(2 ** -24);
    expect([...file.tensors.get('bf16')!.data()]).toEqual([3.140625, Number.NEGATIVE_INFINITY]);
  });

  it('accepts an empty file (header {}) and zero-size tensors', () => {
    expect(readSafetensors(craft({}, new Uint8Array(0))).tensors.size).toBe(0);
    const f = readSafetensors(
      craft({ e: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] } }, new Uint8Array(0)),
    );
    expect(f.tensors.get('e')!.data().length).toBe(0);
  });
});

describe('writer round trip', () => {
  it('F32 is exact, F16/BF16 are the rounded values, metadata survives', () => {
    const bytes = encodeSafetensors(
      [
        { name: 'a', shape: [2, 3], data: a },
        { name: 'b16', shape: [3], data: b, dtype: 'F16' },
        { name: 'bbf', shape: [3], data: b, dtype: 'BF16' },
        { name: 'scalar', shape: [], data: Float32Array.of(42) },
      ],
      { format: 'pt' },
    );
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(header % 8).toBe(0);
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensors.get('a')!.data()).toEqual(a);
    expect(file.tensors.get('a')!.dtype).toBe('F32');
    const h = file.tensors.get('b16')!.data();
    const bf = file.tensors.get('bbf')!.data();
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(h[i]! - b[i]!)).toBeLessThanOrEqual(b[i]! * 2 ** -11);
      expect(Math.abs(bf[i]! - b[i]!)).toBeLessThanOrEqual(b[i]! * 2 ** -8);
    }
    expect(file.tensors.get('scalar')!.shape).toEqual([]);
    expect([...file.tensors.get('scalar')!.data()]).toEqual([42]);
  });

  it('rejects data whose length does not match the shape', () => {
    expectLmError(
      () => encodeSafetensors([{ name: 'x', shape: [2, 2], data: a }]),
      'SAFETENSORS_WRITE_INVALID',
      '"x"',
    );
    expectLmError(
      () =>
        encodeSafetensors([
          { name: 'x', shape: [1], data: b.subarray(0, 1) },
          { name: 'x', shape: [1], data: b.subarray(0, 1) },
        ]),
      'SAFETENSORS_WRITE_INVALID',
      'Duplicate',
    );
  });
});

describe('corrupt files give typed errors naming the file and tensor', () => {
  const valid = encodeSafetensors([
    { name: 'first', shape: [6], data: a },
    { name: 'second', shape: [3], data: b },
  ]);
  const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + headerLength)));
  const data = valid.subarray(8 + headerLength);
  const edit = (
    f: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void,
  ) => {
    const h = structuredClone(header);
    f(h);
    return craft(h, data);
  };

  it('truncated: shorter than 8 bytes, header longer than file, data cut short', () => {
    expectLmError(
      () => readSafetensors(valid.subarray(0, 5), 'x.safetensors'),
      'SAFETENSORS_TRUNCATED',
      'x.safetensors',
    );
    expectLmError(
      () => readSafetensors(valid.subarray(0, 20), 'x.safetensors'),
      'SAFETENSORS_TRUNCATED',
      'x.safetensors',
    );
    expectLmError(
      () => readSafetensors(valid.subarray(0, valid.length - 4), 'x.safetensors'),
      'SAFETENSORS_TRUNCATED',
      '"second"',
      'x.safetensors',
    );
  });

  it('bad header JSON and absurd header length', () => {
    const broken = valid.slice();
    broken[9] = 0x7b; // '{{'
    expectLmError(
      () => readSafetensors(broken, 'y.safetensors'),
      'SAFETENSORS_BAD_HEADER',
      'y.safetensors',
      'JSON',
    );
    const huge = valid.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expectLmError(() => readSafetensors(huge, 'y.safetensors'), 'SAFETENSORS_BAD_HEADER');
    expectLmError(
      () => readSafetensors(craft([1, 2], new Uint8Array(0)), 'y'),
      'SAFETENSORS_BAD_HEADER',
    );
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['first']!.shape = [-6];
          }),
          'y',
        ),
      'SAFETENSORS_BAD_HEADER',
      '"first"',
    );
  });

  it('unsupported dtype', () => {
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['second']!.dtype = 'I64';
          }),
          'z.safetensors',
        ),
      'SAFETENSORS_UNSUPPORTED_DTYPE',
      '"second"',
      'I64',
      'z.safetensors',
    );
  });

  it('does not take prototype keys for dtypes', () => {
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['first']!.dtype = 'toString';
          }),
          'p',
        ),
      'SAFETENSORS_UNSUPPORTED_DTYPE',
      '"first"',
    );
  });

  it('wrong length (shape × dtype size ≠ byte length)', () => {
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['first']!.shape = [2, 2];
          }),
          'w.safetensors',
        ),
      'SAFETENSORS_WRONG_LENGTH',
      '"first"',
      'w.safetensors',
    );
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['first']!.dtype = 'F16';
          }),
          'w',
        ),
      'SAFETENSORS_WRONG_LENGTH',
      '"first"',
    );
  });

  it('overlapping, out-of-bounds, gap and trailing bytes', () => {
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['second']!.data_offsets = [20, 32];
            h['first']!.data_offsets = [0, 24];
          }),
          'o.safetensors',
        ),
      'SAFETENSORS_OVERLAP',
      '"second"',
      '"first"',
      'o.safetensors',
    );
    expectLmError(
      () =>
        readSafetensors(
          edit((h) => {
            h['second']!.data_offsets = [30, 24];
          }),
          'o',
        ),
      'SAFETENSORS_OUT_OF_BOUNDS',
      '"second"',
    );
    expectLmError(
      () =>
        readSafetensors(
          craft({ t: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
          'g',
        ),
      'SAFETENSORS_GAP',
      '"t"',
    );
    const trailing = new Uint8Array(valid.length + 4);
    trailing.set(valid);
    expectLmError(
      () => readSafetensors(trailing, 't.safetensors'),
      'SAFETENSORS_GAP',
      '"second"',
      't.safetensors',
    );
  });
});

describe('files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-lm-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streaming write equals the in-memory encoding, also with generated chunks', () => {
    const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const path = join(dir, 'a.safetensors');
    writeSafetensorsFile(
      path,
      [
        {
          name: 'big',
          shape: [10, 100],
          data: (start, out) => out.set(big.subarray(start, start + out.length)),
        },
        { name: 'small', shape: [3], data: b, dtype: 'BF16' },
      ],
      { chunkElements: 7, metadata: { format: 'pt' } },
    );
    const expected = encodeSafetensors(
      [
        { name: 'big', shape: [10, 100], data: big },
        { name: 'small', shape: [3], data: b, dtype: 'BF16' },
      ],
      { format: 'pt' },
    );
    const file = loadSafetensorsFile(path);
    expect(file.tensors.get('big')!.data()).toEqual(big);
    expect(file.file).toBe(path);
    expect(
      Buffer.compare(Buffer.from(expected), Buffer.from(file.tensors.get('big')!.bytes.buffer)),
    ).toBe(0);
  });

  it('missing file is LM_FILE_NOT_FOUND', () => {
    expectLmError(
      () => loadSafetensorsFile(join(dir, 'nope.safetensors')),
      'LM_FILE_NOT_FOUND',
      'nope.safetensors',
    );
  });

  it('sharded checkpoints: loads all shards; missing shard / tensor / unmapped tensor are errors', () => {
    writeFileSync(
      join(dir, 's1.safetensors'),
      encodeSafetensors([{ name: 'x', shape: [6], data: a }]),
    );
    writeFileSync(
      join(dir, 's2.safetensors'),
      encodeSafetensors([{ name: 'y', shape: [3], data: b }]),
    );
    const index = (m: Record<string, string>, name = 'model.safetensors.index.json') => {
      writeFileSync(
        join(dir, name),
        JSON.stringify({ metadata: { total_size: 36 }, weight_map: m }),
      );
      return join(dir, name);
    };
    const ok = loadShardedSafetensors(index({ x: 's1.safetensors', y: 's2.safetensors' }));
    expect(ok.tensors.get('x')!.data()).toEqual(a);
    expect(ok.tensors.get('y')!.data()).toEqual(b);
    expect(ok.tensors.get('y')!.file).toBe(join(dir, 's2.safetensors'));
    expectLmError(
      () => loadShardedSafetensors(index({ x: 's1.safetensors', y: 's3.safetensors' })),
      'SAFETENSORS_SHARD',
      's3.safetensors',
    );
    expectLmError(
      () => loadShardedSafetensors(index({ x: 's1.safetensors', y: 's1.safetensors' })),
      'SAFETENSORS_SHARD',
      '"y"',
      's1.safetensors',
    );
    writeFileSync(
      join(dir, 's12.safetensors'),
      encodeSafetensors([
        { name: 'x', shape: [6], data: a },
        { name: 'y', shape: [3], data: b },
      ]),
    );
    expectLmError(
      () => loadShardedSafetensors(index({ x: 's12.safetensors' })),
      'SAFETENSORS_SHARD',
      '"y"',
      'no shard',
    );
    writeFileSync(join(dir, 'bad.json'), '{');
    expectLmError(() => loadShardedSafetensors(join(dir, 'bad.json')), 'SAFETENSORS_SHARD', 'JSON');
  });
});
