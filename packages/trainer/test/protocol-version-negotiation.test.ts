import { describe, expect, it } from 'vitest';
import {
  negotiateProtocolVersion,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '../src/protocol/negotiate-version.js';
import { expectProtocolError } from './protocol-v2-samples.js';

describe('negotiateProtocolVersion', () => {
  it('picks the highest version both sides speak, whatever the order of the lists', () => {
    expect(negotiateProtocolVersion([1, 2], [1, 2])).toBe(2);
    expect(negotiateProtocolVersion([1], [1, 2])).toBe(1);
    expect(negotiateProtocolVersion([1, 2, 3], [2, 1])).toBe(2);
    expect(negotiateProtocolVersion([3, 1, 2], [2, 3])).toBe(3);
    expect(negotiateProtocolVersion([2], [1, 2, 7])).toBe(2);
    expect(negotiateProtocolVersion(SUPPORTED_PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS)).toBe(
      2,
    );
    expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual([1, 2]);
  });

  it('is symmetric', () => {
    const lists = [[1], [2], [1, 2], [2, 3], [1, 3, 5], [255]];
    for (const a of lists) {
      for (const b of lists) {
        const ab = (() => {
          try {
            return negotiateProtocolVersion(a, b);
          } catch {
            return null;
          }
        })();
        const ba = (() => {
          try {
            return negotiateProtocolVersion(b, a);
          } catch {
            return null;
          }
        })();
        expect(ab).toBe(ba);
      }
    }
  });

  it('without a common version, throws MEERKAT_PROTOCOL naming both lists', () => {
    const e = expectProtocolError(() => negotiateProtocolVersion([3, 1], [2]));
    expect(e.message).toMatch(/client speaks \[1, 3\]/);
    expect(e.message).toMatch(/coordinator \[2\]/);
  });

  it('rejects malformed lists with MEERKAT_PROTOCOL', () => {
    expect(expectProtocolError(() => negotiateProtocolVersion([], [1])).message).toMatch(
      /client's/,
    );
    expect(expectProtocolError(() => negotiateProtocolVersion([1], [0])).message).toMatch(
      /coordinator's/,
    );
    expect(expectProtocolError(() => negotiateProtocolVersion([1.5], [1])).message).toMatch(
      /client's/,
    );
    expect(expectProtocolError(() => negotiateProtocolVersion([256], [1])).message).toMatch(
      /\[1, 255\]/,
    );
    expect(expectProtocolError(() => negotiateProtocolVersion('2' as never, [2])).message).toMatch(
      /client's/,
    );
  });
});
