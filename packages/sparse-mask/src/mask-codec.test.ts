import { crc32 } from '@meerkat/seeded';
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../test/error-code.js';
import { uniformTestValues } from '../test/helpers.js';
import { randomMask, sampleUniformIndices } from './baselines.js';
import { SparseMaskError } from './errors.js';
import { createLayout } from './layout.js';
import { decodeMask, encodeMask, MASK_HEADER_BYTES } from './mask-codec.js';
import { createSparseMask, type SparseMask } from './sparse-mask.js';

const layout = createLayout([
  { name: 'w', shape: [300, 7] },
  { name: 'b', shape: [300] },
]);

function fullMask(seed: number, k: number): SparseMask {
  const rnd = uniformTestValues(seed);
  const base = randomMask(layout, { k }, BigInt(seed));
  const gradMean = Float32Array.from({ length: k }, () => rnd() - 0.5);
  const scores = Float32Array.from({ length: k }, () => rnd());
  return createSparseMask({ ...base, gradMean, scores });
}

/** Independent LEB128 size: 1 byte per 7 bits of each delta. */
function predictedVarintBytes(indices: Uint32Array): number {
  let bytes = 0;
  let prev = 0;
  for (const i of indices) {
    let v = i - prev;
    prev = i;
    do {
      bytes++;
      v = Math.floor(v / 128);
    } while (v > 0);
  }
  return bytes;
}

/** Re-seal a modified body with a correct CRC, to reach the structural checks. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

describe('encodeMask / decodeMask', () => {
  it('round-trips masks with and without the optional arrays', () => {
    for (const k of [1, 2, 17, 500, layout.size]) {
      const full = fullMask(k, k);
      expect(decodeMask(encodeMask(full), layout)).toEqual(full);
      const indicesOnly = createSparseMask({
        fingerprint: full.fingerprint,
        d: full.d,
        indices: full.indices,
      });
      expect(decodeMask(encodeMask(indicesOnly))).toEqual(indicesOnly);
      const scoresOnly = createSparseMask({ ...indicesOnly, scores: full.scores });
      expect(decodeMask(encodeMask(scoresOnly))).toEqual(scoresOnly);
    }
    // Largest indices and deltas (5-byte varints).
    const extreme = createSparseMask({
      fingerprint: 'ffffffffffffffff',
      d: 0xffffffff,
      indices: Uint32Array.of(0, 1, 0xfffffffd, 0xfffffffe),
    });
    expect(decodeMask(encodeMask(extreme))).toEqual(extreme);
    const big = createSparseMask({
      fingerprint: '0000000000000001',
      d: 0xffffffff,
      indices: Uint32Array.of(0xfffffffe),
    });
    expect(decodeMask(encodeMask(big))).toEqual(big);
  });

  it('decodes from a Node Buffer that is a view into a larger pool (slice is a view there)', () => {
    const full = fullMask(17, 17);
    const encoded = encodeMask(full);
    const pool = Buffer.alloc(encoded.length + 13);
    pool.set(encoded, 13);
    const view = pool.subarray(13);
    expect(decodeMask(view, layout)).toEqual(full);
  });

  it('writes the documented header fields little-endian', () => {
    const mask = fullMask(3, 10);
    const bytes = encodeMask(mask);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('MKMASK');
    expect([bytes[6], bytes[7]]).toEqual([0, 0]);
    expect(view.getUint16(8, true)).toBe(1);
    expect(view.getUint16(10, true)).toBe(3);
    expect(view.getBigUint64(12, true)).toBe(BigInt(`0x${mask.fingerprint}`));
    expect(view.getBigUint64(20, true)).toBe(BigInt(mask.d));
    expect(view.getUint32(28, true)).toBe(10);
    const varints = predictedVarintBytes(mask.indices);
    expect(view.getUint32(32, true)).toBe(varints);
    expect(bytes.length).toBe(MASK_HEADER_BYTES + varints + 2 * 4 * 10 + 4);
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)));
    expect(view.getFloat32(MASK_HEADER_BYTES + varints, true)).toBe(mask.gradMean![0]);
  });

  it('is as small as delta + varint predicts: < 2.5 bytes/index at density 1e-3, d = 1e6', () => {
    const d = 1_000_000;
    const k = 1000;
    const indices = sampleUniformIndices(d, k, 99n);
    const mask = createSparseMask({ fingerprint: '0123456789abcdef', d, indices });
    const bytes = encodeMask(mask);
    expect(bytes.length).toBe(MASK_HEADER_BYTES + predictedVarintBytes(indices) + 4);
    expect((bytes.length - MASK_HEADER_BYTES - 4) / k).toBeLessThan(2.5);
  });

  it('reports specific codes for each defect', () => {
    const good = encodeMask(fullMask(5, 20));
    const at = (i: number, v: number) => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    expect(errorCodeOf(() => decodeMask(at(0, 0x4e)))).toBe('MASK_BAD_MAGIC');
    expect(errorCodeOf(() => decodeMask(new Uint8Array(0)))).toBe('MASK_TRUNCATED');
    expect(errorCodeOf(() => decodeMask(good.subarray(0, 5)))).toBe('MASK_TRUNCATED');
    expect(errorCodeOf(() => decodeMask(good.subarray(0, good.length - 1)))).toBe('MASK_TRUNCATED');
    expect(errorCodeOf(() => decodeMask(at(8, 2)))).toBe('MASK_UNSUPPORTED_VERSION');
    expect(errorCodeOf(() => decodeMask(at(good.length - 10, good[good.length - 10]! ^ 1)))).toBe(
      'MASK_CHECKSUM_MISMATCH',
    );
    const extra = new Uint8Array(good.length + 1);
    extra.set(good);
    expect(errorCodeOf(() => decodeMask(extra))).toBe('MASK_CORRUPT');
    expect(errorCodeOf(() => decodeMask(reseal(at(10, 3 | 4))))).toBe('MASK_CORRUPT');
    const other = createLayout([{ name: 'w', shape: [2400] }]);
    expect(errorCodeOf(() => decodeMask(good, other))).toBe('MASK_LAYOUT_MISMATCH');
    expect(decodeMask(good, layout).indices.length).toBe(20);
  });

  it('rejects structurally invalid content even under a valid checksum', () => {
    const d = 1000;
    const mask = createSparseMask({
      fingerprint: '0123456789abcdef',
      d,
      indices: Uint32Array.of(5, 6, 10, 900),
    });
    const good = encodeMask(mask);
    const view = (b: Uint8Array) => new DataView(b.buffer);
    // Varints: 05 01 04 82 07. A zero delta makes indices non-increasing.
    const nonIncreasing = good.slice();
    nonIncreasing[MASK_HEADER_BYTES + 1] = 0;
    expect(errorCodeOf(() => decodeMask(reseal(nonIncreasing)))).toBe('MASK_CORRUPT');
    // An index >= d: shrink d in the header.
    const smallD = good.slice();
    view(smallD).setUint32(20, 900, true);
    expect(errorCodeOf(() => decodeMask(reseal(smallD)))).toBe('MASK_CORRUPT');
    // k larger / smaller than the varints present.
    for (const k of [3, 5]) {
      const wrongK = good.slice();
      view(wrongK).setUint32(28, k, true);
      expect(errorCodeOf(() => decodeMask(reseal(wrongK)))).toBe('MASK_CORRUPT');
    }
    // k = 0 and d = 0 and d >= 2^32.
    for (const [offset, value] of [
      [28, 0],
      [20, 0],
      [24, 1],
    ] as const) {
      const b = good.slice();
      view(b).setUint32(offset, value, true);
      expect(errorCodeOf(() => decodeMask(reseal(b)))).toBe('MASK_CORRUPT');
    }
    // A varint that overflows 32 bits (5th byte > 0x0f): re-encode a 1-index mask by hand.
    const header = good.slice(0, MASK_HEADER_BYTES);
    view(header).setUint32(28, 1, true);
    view(header).setUint32(32, 5, true);
    view(header).setUint32(20, 0xffffffff, true);
    const body = new Uint8Array(MASK_HEADER_BYTES + 5 + 4);
    body.set(header);
    body.set([0xff, 0xff, 0xff, 0xff, 0x1f], MASK_HEADER_BYTES);
    expect(errorCodeOf(() => decodeMask(reseal(body)))).toBe('MASK_CORRUPT');
    // A varint section that ends mid-varint.
    const cut = body.slice();
    cut[MASK_HEADER_BYTES + 4] = 0x8f;
    expect(errorCodeOf(() => decodeMask(reseal(cut)))).toBe('MASK_CORRUPT');
  });

  it('rejects non-finite gradMean and NaN / ±∞ / negative scores under a valid checksum', () => {
    const mask = createSparseMask({
      fingerprint: '0123456789abcdef',
      d: 1000,
      indices: Uint32Array.of(5, 6, 10, 900),
      gradMean: Float32Array.of(0.5, -1, 2, -0.25),
      scores: Float32Array.of(1, 0, 3, 4),
    });
    const good = encodeMask(mask);
    expect(decodeMask(good)).toEqual(mask);
    const varints = good.length - MASK_HEADER_BYTES - 2 * 4 * 4 - 4;
    const gradMeanAt = MASK_HEADER_BYTES + varints;
    const scoresAt = gradMeanAt + 4 * 4;
    const withFloat = (at: number, value: number) => {
      const b = good.slice();
      new DataView(b.buffer).setFloat32(at, value, true);
      return reseal(b);
    };
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(errorCodeOf(() => decodeMask(withFloat(gradMeanAt + 8, bad)))).toBe('MASK_CORRUPT');
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2]) {
      expect(errorCodeOf(() => decodeMask(withFloat(scoresAt + 12, bad)))).toBe('MASK_CORRUPT');
    }
    // A negative ḡ and a −0 score are valid values, not defects.
    expect(decodeMask(withFloat(gradMeanAt, -7)).gradMean![0]).toBe(-7);
    expect(Object.is(decodeMask(withFloat(scoresAt + 4, -0)).scores![1], -0)).toBe(true);
  });

  it('accepts only canonical varints: an overlong encoding of the same index is MASK_CORRUPT', () => {
    const mask = createSparseMask({
      fingerprint: '0123456789abcdef',
      d: 1000,
      indices: Uint32Array.of(1, 4, 900),
    });
    const good = encodeMask(mask);
    // Canonical varints: 01 03 80 07 (delta 896).
    expect(Array.from(good.subarray(MASK_HEADER_BYTES, MASK_HEADER_BYTES + 4))).toEqual([
      0x01, 0x03, 0x80, 0x07,
    ]);
    /** The same mask with the varint section replaced by `varints`, header and CRC fixed. */
    const withVarints = (varints: number[]) => {
      const b = new Uint8Array(MASK_HEADER_BYTES + varints.length + 4);
      b.set(good.subarray(0, MASK_HEADER_BYTES));
      new DataView(b.buffer).setUint32(32, varints.length, true);
      b.set(varints, MASK_HEADER_BYTES);
      return reseal(b);
    };
    expect(decodeMask(withVarints([0x01, 0x03, 0x80, 0x07]))).toEqual(mask);
    for (const overlong of [
      [0x81, 0x00, 0x03, 0x80, 0x07], // 1 as 81 00
      [0x01, 0x83, 0x80, 0x00, 0x80, 0x07], // 3 as 83 80 00
      [0x01, 0x03, 0x80, 0x87, 0x00], // 896 as 80 87 00
      [0x01, 0x03, 0x80, 0x87, 0x80, 0x80, 0x00], // 896 in 5 bytes
    ]) {
      expect(errorCodeOf(() => decodeMask(withVarints(overlong)))).toBe('MASK_CORRUPT');
    }
    // A single zero byte is canonical (first index 0).
    const zero = createSparseMask({
      fingerprint: mask.fingerprint,
      d: 10,
      indices: Uint32Array.of(0, 9),
    });
    expect(Array.from(encodeMask(zero).subarray(MASK_HEADER_BYTES, MASK_HEADER_BYTES + 2))).toEqual(
      [0, 9],
    );
    expect(decodeMask(encodeMask(zero))).toEqual(zero);
  });

  it('encodeMask refuses an invalid hand-built mask', () => {
    const bad = { fingerprint: '0123456789abcdef', d: 10, indices: Uint32Array.of(3, 3) };
    expect(errorCodeOf(() => encodeMask(bad))).toBe('MASK_INVALID');
  });
});

describe('decodeMask fuzz: every corruption throws SparseMaskError', () => {
  const small = encodeMask(fullMask(8, 12));
  const medium = encodeMask(fullMask(9, 300));
  const rnd = uniformTestValues(2024);
  const expectThrows = (bytes: Uint8Array) => {
    let threw = false;
    try {
      decodeMask(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(SparseMaskError);
      threw = true;
    }
    expect(threw).toBe(true);
  };

  it('truncation at every length', () => {
    for (const bytes of [small, medium])
      for (let n = 0; n < bytes.length; n++) expectThrows(bytes.subarray(0, n));
  });

  it('every single-bit flip of a small mask, and thousands of random multi-bit flips', () => {
    for (let bit = 0; bit < small.length * 8; bit++) {
      const b = small.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      expectThrows(b);
    }
    for (let t = 0; t < 3000; t++) {
      const b = (t % 2 ? medium : small).slice();
      const flips = 1 + Math.floor(rnd() * 8);
      for (let f = 0; f < flips; f++)
        b[Math.floor(rnd() * b.length)]! ^= 1 + Math.floor(rnd() * 255);
      expectThrows(b);
    }
  });

  it('inserted and deleted bytes, random bytes and random headers', () => {
    for (let t = 0; t < 2000; t++) {
      const src = t % 2 ? medium : small;
      const pos = Math.floor(rnd() * (src.length + 1));
      const n = 1 + Math.floor(rnd() * 4);
      const inserted = new Uint8Array(src.length + n);
      inserted.set(src.subarray(0, pos));
      for (let i = 0; i < n; i++) inserted[pos + i] = Math.floor(rnd() * 256);
      inserted.set(src.subarray(pos), pos + n);
      expectThrows(inserted);
      const del = Math.min(n, src.length - pos);
      if (del > 0) {
        const deleted = new Uint8Array(src.length - del);
        deleted.set(src.subarray(0, pos));
        deleted.set(src.subarray(pos + del), pos);
        expectThrows(deleted);
      }
    }
    for (let t = 0; t < 2000; t++) {
      const junk = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () =>
        Math.floor(rnd() * 256),
      );
      expectThrows(junk);
      // Valid magic and version, random rest: exercises the length / checksum paths.
      const keep = 10 + Math.floor(rnd() * 30);
      const mixed = junk.length > keep ? junk.slice() : new Uint8Array(keep + 40);
      mixed.set(small.subarray(0, keep));
      expectThrows(mixed);
    }
  });
});

describe('cross-language test vector (README)', () => {
  it('encodes the README example byte for byte', () => {
    const fingerprint = createLayout([
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [] },
    ]).fingerprint;
    const mask = createSparseMask({
      fingerprint,
      d: 7,
      indices: Uint32Array.of(1, 4, 6),
      gradMean: Float32Array.of(0.5, -1, 2),
    });
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const body =
      '4d4b4d41534b0000' + // magic
      '0100' + // version 1
      '0100' + // flags: gradMean
      fingerprint.match(/../g)!.reverse().join('') + // fingerprint u64 LE
      '0700000000000000' + // d = 7
      '03000000' + // k = 3
      '03000000' + // 3 varint bytes
      '010302' + // deltas 1, 3, 2
      '0000003f000080bf00000040'; // 0.5, -1, 2
    const bytes = encodeMask(mask);
    expect(hex(bytes.subarray(0, bytes.length - 4))).toBe(body);
    expect(hex(bytes.subarray(bytes.length - 4))).toBe('01ba5c5c');
  });
});
