import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../src/format.js';

describe('formatSeconds', () => {
  it('shows seconds with a tenth below a minute, whole seconds above, never "60 s"', () => {
    expect(formatSeconds(12.34)).toBe('12.3 s');
    expect(formatSeconds(59.94)).toBe('59.9 s');
    expect(formatSeconds(59.96)).toBe('1 min 00 s');
    expect(formatSeconds(119.6)).toBe('2 min 00 s');
    expect(formatSeconds(125.4)).toBe('2 min 05 s');
    expect(formatSeconds(3599.7)).toBe('60 min 00 s');
  });
});
