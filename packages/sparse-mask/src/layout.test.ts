import { describe, expect, it } from 'vitest';
import { SparseMaskError } from './errors.js';
import { createLayout, layoutFingerprintBytes, type TensorSpec } from './layout.js';
import { assertMaskMatchesLayout, createSparseMask } from './sparse-mask.js';

const specs: TensorSpec[] = [
  { name: 'embed.weight', shape: [10, 4] },
  { name: 'layer0.bias', shape: [4] },
  { name: 'scale', shape: [] },
  { name: 'head.weight', shape: [4, 3, 2] },
];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SparseMaskError) return e.code;
    throw e;
  }
  throw new Error('did not throw');
}

describe('ParameterLayout', () => {
  it('computes cumulative offsets and total size in the given order', () => {
    const layout = createLayout(specs);
    expect(layout.tensors.map((t) => [t.name, t.offset, t.size, t.position])).toEqual([
      ['embed.weight', 0, 40, 0],
      ['layer0.bias', 40, 4, 1],
      ['scale', 44, 1, 2],
      ['head.weight', 45, 24, 3],
    ]);
    expect(layout.size).toBe(69);
  });

  it('looks tensors up by name and maps flat <-> (tensor, local) both ways', () => {
    const layout = createLayout(specs);
    expect(layout.tensor('scale').offset).toBe(44);
    expect(layout.has('nope')).toBe(false);
    expect(code(() => layout.tensor('nope'))).toBe('LAYOUT_UNKNOWN_TENSOR');
    // Brute-force reference: expand every tensor element in order.
    const expected: [string, number][] = [];
    for (const s of specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) expected.push([s.name, i]);
    }
    for (let flat = 0; flat < layout.size; flat++) {
      const { tensor, localIndex } = layout.locate(flat);
      expect([tensor.name, localIndex]).toEqual(expected[flat]);
      expect(layout.flatIndex(tensor.name, localIndex)).toBe(flat);
    }
    expect(code(() => layout.locate(69))).toBe('LAYOUT_INDEX_OUT_OF_RANGE');
    expect(code(() => layout.locate(-1))).toBe('LAYOUT_INDEX_OUT_OF_RANGE');
    expect(code(() => layout.locate(1.5))).toBe('LAYOUT_INDEX_OUT_OF_RANGE');
    expect(code(() => layout.flatIndex('scale', 1))).toBe('LAYOUT_INDEX_OUT_OF_RANGE');
  });

  it('rejects invalid descriptions with LAYOUT_INVALID', () => {
    expect(code(() => createLayout([]))).toBe('LAYOUT_INVALID');
    expect(
      code(() =>
        createLayout([
          { name: 'a', shape: [2] },
          { name: 'a', shape: [3] },
        ]),
      ),
    ).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: '', shape: [2] }]))).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: 'a', shape: [0] }]))).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: 'a', shape: [-2] }]))).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: 'a', shape: [2.5] }]))).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: 'a', shape: [Number.NaN] }]))).toBe('LAYOUT_INVALID');
    expect(code(() => createLayout([{ name: 'a', shape: [65536, 65536] }]))).toBe('LAYOUT_INVALID');
    expect(
      code(() =>
        createLayout([
          { name: 'a', shape: [65536, 65535] },
          { name: 'b', shape: [65536] },
        ]),
      ),
    ).toBe('LAYOUT_INVALID');
  });

  it('has a stable fingerprint that changes with any name, shape or order change', () => {
    const a = createLayout(specs);
    const b = createLayout(specs.map((s) => ({ name: s.name, shape: [...s.shape] })));
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    const variants: TensorSpec[][] = [
      specs.map((s, i) => (i === 1 ? { ...s, name: 'layer0.bias2' } : s)),
      specs.map((s, i) => (i === 0 ? { ...s, shape: [4, 10] } : s)),
      specs.map((s, i) => (i === 0 ? { ...s, shape: [40] } : s)),
      specs.map((s, i) => (i === 2 ? { ...s, shape: [1] } : s)),
      [specs[1]!, specs[0]!, specs[2]!, specs[3]!],
      specs.slice(0, 3),
      // Same concatenated name bytes, different split between tensors.
      [
        { name: 'ab', shape: [1] },
        { name: 'c', shape: [1] },
      ],
    ];
    const prints = new Set([
      a.fingerprint,
      createLayout([
        { name: 'a', shape: [1] },
        { name: 'bc', shape: [1] },
      ]).fingerprint,
    ]);
    for (const v of variants) prints.add(createLayout(v).fingerprint);
    expect(prints.size).toBe(variants.length + 2);
  });

  it('a mask refuses a layout with a different fingerprint, naming both', () => {
    const a = createLayout(specs);
    const b = createLayout(specs.map((s, i) => (i === 0 ? { ...s, name: 'other' } : s)));
    const mask = createSparseMask({
      fingerprint: a.fingerprint,
      d: a.size,
      indices: Uint32Array.of(1, 5),
    });
    expect(() => assertMaskMatchesLayout(mask, a)).not.toThrow();
    try {
      assertMaskMatchesLayout(mask, b);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SparseMaskError);
      expect((e as SparseMaskError).code).toBe('MASK_LAYOUT_MISMATCH');
      expect((e as SparseMaskError).message).toContain(a.fingerprint);
      expect((e as SparseMaskError).message).toContain(b.fingerprint);
    }
  });
});

describe('fingerprint definition (README)', () => {
  it('is FNV-1a 64 of the documented canonical bytes', () => {
    const layout = createLayout([
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [] },
    ]);
    // "meerkat/layout/v1", count 2, then (len 1, "a", rank 2, 2, 3) and (len 1, "b", rank 0).
    const expected =
      '6d6565726b61742f6c61796f75742f7631' +
      '02000000' +
      '01000000' +
      '61' +
      '02000000' +
      '02000000' +
      '03000000' +
      '01000000' +
      '62' +
      '00000000';
    const bytes = layoutFingerprintBytes(layout.tensors);
    expect(Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('')).toBe(expected);
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(layout.fingerprint).toBe(h.toString(16).padStart(16, '0'));
    expect(layout.fingerprint).toBe('b57a34ad32714793');
  });
});
