import { describe, expect, it } from 'vitest';
import { GradipError } from './errors.js';
import { resolveWindow } from './series-window.js';

describe('resolveWindow', () => {
  it('resolves from-start and from-end windows', () => {
    expect(resolveWindow({ from: 0, length: 30 }, 150)).toEqual({ start: 0, end: 30 });
    expect(resolveWindow({ fromEnd: 60 }, 150)).toEqual({ start: 90, end: 150 });
    expect(resolveWindow({ fromEnd: 60, length: 20 }, 150)).toEqual({ start: 90, end: 110 });
  });

  it('refuses windows that do not fit or are malformed', () => {
    expect(() => resolveWindow({ fromEnd: 60 }, 59)).toThrow(GradipError);
    expect(() => resolveWindow({ from: 140, length: 11 }, 150)).toThrow(/longer calibration/);
    expect(() => resolveWindow({ from: 0, length: 0 }, 150)).toThrow(/length/);
    expect(() => resolveWindow({ fromEnd: 5, length: 6 }, 150)).toThrow(/must not exceed/);
  });
});
