import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectPage, type PageCheck } from './chromium-page.js';
import { calibrateTinyMask, cli, tinyRunConfig, trainTiny } from './tiny-cli-runs.js';

/**
 * The report of real runs (Meerkat-vp and two seeds of Meerkat on stories260K + SpamAssassin,
 * trained here through `meerkat train`), opened in headless Chromium. Set
 * MEERKAT_REPORT_SCREENSHOT=/tmp/report.png to keep a screenshot.
 */
describe.skipIf(!HAVE_STORIES)(`meerkat report in headless Chromium${STORIES_SKIP_NOTE}`, () => {
  let page: PageCheck;
  let html: string;
  let vpSummary: RunSummary;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-report-'));
    const mask = await calibrateTinyMask(dir);
    const vp = await trainTiny(dir, tinyRunConfig('vp', mask, { method: 'meerkat-vp' }));
    const a = await trainTiny(dir, tinyRunConfig('mk-s0', mask, { seed: 0 }));
    const b = await trainTiny(dir, tinyRunConfig('mk-s1', mask, { seed: 1 }));
    vpSummary = JSON.parse(readFileSync(join(vp.runDir, 'summary.json'), 'utf8')) as RunSummary;
    const out = join(dir, 'report.html');
    const printed = await cli(dir, ['report', vp.runDir, a.runDir, b.runDir, '--out', out]);
    expect(printed.out.trim()).toBe(out);
    html = readFileSync(out, 'utf8');
    page = await inspectPage(out, process.env.MEERKAT_REPORT_SCREENSHOT);
  }, 240_000);

  it('is self-contained: no scripts, no external URLs, no requests, no console errors', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(page.requests).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  it('shows every chart as a sized SVG with data marks', () => {
    expect(page.charts.map((c) => c.id)).toEqual([
      'accuracy-rounds',
      'loss-rounds',
      'accuracy-bytes',
      'gradip-steps',
      'gradip',
      'detector',
    ]);
    for (const chart of page.charts) {
      expect(chart.width, chart.id).toBeGreaterThan(300);
      expect(chart.height, chart.id).toBeGreaterThan(200);
    }
    const marks = Object.fromEntries(page.charts.map((c) => [c.id, c.marks]));
    // Two series (meerkat-vp, meerkat): one line each, one point per evaluated round (0, 1, 2).
    expect(marks['accuracy-rounds']?.['mark-line']).toBe(2);
    expect(marks['accuracy-rounds']?.['mark-symbol']).toBe(6);
    expect(marks['accuracy-rounds']?.['mark-area']).toBe(2);
    expect(marks['accuracy-bytes']?.['mark-symbol']).toBe(4);
    // GradIP (every run on a calibrated mask has ḡ_pre): the Meerkat-vp run's calibration path
    // per step (gradip.json), one line per client, with the detector's two windows shaded; the
    // Meerkat runs per round, one line per client per run.
    expect(marks['gradip-steps']?.['mark-line']).toBe(4);
    expect(marks['gradip-steps']?.['mark-rect']).toBe(2);
    expect(marks.gradip?.['mark-line']).toBe(8);
    // Detector: one point per client, two threshold rules.
    expect(marks.detector?.['mark-symbol']).toBe(4);
    expect(marks.detector?.['mark-rule']).toBe(2);
  });

  it('has the final-metrics, detection and runs tables with the expected rows', () => {
    const finals = page.tables['final-metrics'] ?? [];
    expect(finals.map((r) => [r[0], r[1]])).toEqual([
      ['meerkat-vp', '1'],
      ['meerkat', '2'],
    ]);
    // Two seeds of meerkat: the final accuracy cell is mean ± std.
    expect(finals[1]?.[3]).toMatch(/^\d+\.\d% ± \d+\.\d%$/);
    expect(page.tables.runs?.map((r) => r[0])).toEqual(['vp', 'mk-s0', 'mk-s1']);
    const d = vpSummary.detection;
    expect(d).toBeDefined();
    expect(page.tables['detection-confusion']).toEqual([
      ['truly extreme (single-label)', String(d?.truePositives), String(d?.falseNegatives)],
      ['truly normal', String(d?.falsePositives), String(d?.trueNegatives)],
    ]);
    const clients = page.tables['detection-clients'] ?? [];
    expect(clients.map((r) => [r[1], r[2], r[3] === 'flagged'])).toEqual(
      vpSummary.clients.map((c) => [c.id, c.kind, c.flagged]),
    );
  });
});
