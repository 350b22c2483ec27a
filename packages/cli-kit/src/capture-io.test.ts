import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { processIo } from './cli-io.js';

describe('captureIo / processIo', () => {
  it('keeps each stream apart, in write order, and reports the terminal it is told to', () => {
    const io = captureIo({ isTTY: true, columns: 80 });
    io.stdout.write('a');
    io.stderr.write('x');
    io.stdout.write('b\n');
    expect([io.out(), io.err()]).toEqual(['ab\n', 'x']);
    expect([io.stderr.isTTY, io.stderr.columns, io.stdout.isTTY]).toEqual([true, 80, true]);
    const plain = captureIo();
    expect([plain.stdout.isTTY, plain.stdout.columns]).toEqual([false, undefined]);
  });

  it('processIo writes to the process streams', () => {
    const io = processIo();
    expect(io.stdout).toBe(process.stdout);
    expect(io.stderr).toBe(process.stderr);
  });
});
