import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../src/cli/progress.js';

function sink(isTTY: boolean) {
  let text = '';
  return { out: { write: (s: string) => (text += s), isTTY, columns: 200 }, text: () => text };
}

const update = {
  round: 3,
  totalRounds: 10,
  accuracy: 0.8125,
  loss: 0.43219,
  cumulativeBytesPerClient: 3 * 1024,
} as const;

describe('ProgressReporter', () => {
  it('prints one plain line per round when not on a terminal', () => {
    const s = sink(false);
    const p = new ProgressReporter(s.out, 'train');
    p.update(update);
    p.update({ ...update, round: 4, accuracy: null, loss: null });
    p.finish();
    expect(s.text()).toBe(
      'train round 3/10  acc 81.3%  loss 0.4322  3.0 KiB/client\n' +
        'train round 4/10  acc –  loss –  3.0 KiB/client\n',
    );
  });

  it('redraws a single line with a bar on a terminal and ends it with a newline', () => {
    const s = sink(true);
    const p = new ProgressReporter(s.out, 'train');
    p.update(update);
    p.update({ ...update, round: 10, note: 'flagged: c0' });
    p.log('done');
    const text = s.text();
    expect(text.split('\n')).toHaveLength(3);
    expect(text.startsWith('\rtrain [#######.................] round 3/10')).toBe(true);
    expect(text).toContain('\rtrain [########################] round 10/10');
    expect(text).toContain('flagged: c0');
    expect(text.endsWith('\ndone\n')).toBe(true);
  });

  it('clears the rest of a longer previous line when redrawing', () => {
    const s = sink(true);
    const p = new ProgressReporter(s.out, 'x');
    p.update({ ...update, note: 'a very long note that makes the line long' });
    p.update(update);
    const [first, second] = s.text().split('\r').slice(1) as [string, string];
    expect(second.length).toBe(first.length);
  });
});
