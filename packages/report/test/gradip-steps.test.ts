import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectExtremeClients } from '@meerkat/gradip';
import type { DetectionEvent, RoundEndEvent, SetupEvent, TrainerEvent } from '@meerkat/trainer';
import {
  type GradipSteps,
  Meerkat,
  type MethodName,
  type RoundMetrics,
  RUN_FILES,
  type RunSummary,
} from '@meerkat/trainer';
import {
  HAVE_STORIES,
  STORIES_SKIP_NOTE,
  TINY_VP_OVERRIDES,
  tempRunDir,
  tinyConfig,
} from '@meerkat/trainer/testing';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../src/build-report.js';
import { type RunRecord, readRunDir } from '../src/read-run-dir.js';
import {
  assignSeries,
  gradipPoints,
  gradipStepPoints,
  gradipWindowBands,
} from '../src/report-data.js';

function metrics(round: number, method: MethodName, gradip: Record<string, number>): RoundMetrics {
  return {
    round,
    method,
    phase: round === 1 && method === 'meerkat-vp' ? 'calibration' : 'training',
    accuracy: 0.5 + 0.01 * round,
    loss: 0.7 - 0.01 * round,
    trainLoss: null,
    bytesUpPerClient: 10,
    bytesDownPerClient: 100,
    cumulativeBytesPerClient: 110 * round,
    forwardPasses: 4,
    gradip,
    flagged: [],
    participants: ['c0', 'c1'],
    seconds: 0.1,
  };
}

function summary(name: string, method: MethodName): RunSummary {
  return {
    name,
    method,
    seed: 0,
    localSteps: 2,
    rounds: 2,
    initialAccuracy: 0.5,
    clients: [
      { id: 'c0', kind: 'extreme', numSamples: 5, labels: { spam: 5 }, flagged: true },
      { id: 'c1', kind: 'normal', numSamples: 5, labels: { spam: 2, ham: 3 }, flagged: false },
    ],
  } as unknown as RunSummary;
}

/** A 12-step calibration path per client: c0 decays (flagged), c1 keeps oscillating. */
const STEPS: GradipSteps = {
  version: 1,
  round: 1,
  calibrationRounds: 1,
  calibrationSteps: 12,
  directions: 1,
  detector: {
    initialSteps: 3,
    laterSteps: 6,
    sigmaRel: 0.1,
    tauLater: 8,
    tauQuiet: 0.7,
    combine: 'and',
  },
  clients: [
    {
      clientId: 'c0',
      kind: 'extreme',
      gradip: Array.from({ length: 12 }, (_, t) => (t % 2 ? -1 : 1) * Math.exp(-0.8 * t)),
      initialWindow: { start: 0, end: 3 },
      laterWindow: { start: 6, end: 12 },
      initialScale: 0.5,
      laterScale: 0.001,
      rhoLater: 500,
      sigma: 0.05,
      rhoQuiet: 1,
      flagged: true,
      reason: 'flagged: ρ_later 500 > 8 and ρ_quiet 1 > 0.7',
    },
    {
      clientId: 'c1',
      kind: 'normal',
      // One exact zero: dropped from the log-scale chart.
      gradip: Array.from({ length: 12 }, (_, t) => (t === 5 ? 0 : Math.sin(1.3 * t) + 0.2)),
      initialWindow: { start: 0, end: 3 },
      laterWindow: { start: 6, end: 12 },
      initialScale: 0.8,
      laterScale: 0.7,
      rhoLater: 1.1,
      sigma: 0.08,
      rhoQuiet: 0.1,
      flagged: false,
      reason: 'not flagged: ρ_later 1.1 ≤ 8 and ρ_quiet 0.1 ≤ 0.7',
    },
  ],
};

function record(name: string, method: MethodName, gradipSteps: GradipSteps | null): RunRecord {
  return {
    dir: `/runs/${name}`,
    name,
    config: null,
    metrics: [metrics(1, method, { c0: 0.4, c1: 0.3 }), metrics(2, method, { c0: 0.01, c1: 0.2 })],
    summary: summary(name, method),
    detection: null,
    gradipSteps,
  };
}

/** The SVG of one chart of a report page. */
function chartSvg(html: string, id: string): string {
  const start = html.indexOf(`<figure data-chart="${id}">`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</figure>', start));
}

/** Drawn items of Vega's `<g class="mark-TYPE role-mark">` groups in an SVG. */
function countMarks(svg: string, type: string): number {
  let n = 0;
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) {
    n += [...(m[1] ?? '').matchAll(/<path [^>]*d="([^"]*)"/g)].filter(
      (p) => p[1] !== '' && p[1] !== 'M0,0Z',
    ).length;
  }
  return n;
}

describe('the per-step GradIP series in the report', () => {
  it('gradipStepPoints gives one point per non-zero step, 1-based, with kind and verdict', () => {
    const runs = assignSeries([record('vp', 'meerkat-vp', STEPS)]);
    const points = gradipStepPoints(runs);
    expect(points).toHaveLength(23);
    expect(points[0]).toMatchObject({
      trace: 'vp/c0',
      kind: 'extreme',
      verdict: 'flagged',
      step: 1,
      absGradip: 1,
    });
    expect(points.filter((p) => p.client === 'c1').map((p) => p.step)).not.toContain(6);
    expect(gradipWindowBands(runs)).toEqual([
      { window: 'initial window', from: 1, to: 3 },
      { window: 'later window', from: 7, to: 12 },
    ]);
    // A run with the per-step series is not drawn per round as well.
    expect(gradipPoints(runs)).toEqual([]);
  });

  it('draws GradIP per step for runs with gradip.json and per round for the others', async () => {
    const both = await buildReport([
      record('vp', 'meerkat-vp', STEPS),
      record('mk', 'meerkat', null),
    ]);
    expect(both.charts).toEqual([
      'accuracy-rounds',
      'loss-rounds',
      'accuracy-bytes',
      'gradip-steps',
      'gradip',
    ]);
    const steps = chartSvg(both.html, 'gradip-steps');
    expect(countMarks(steps, 'line')).toBe(2); // one line per client
    expect(countMarks(steps, 'rect')).toBe(2); // the initial and later windows
    expect(steps).toContain('local step of the calibration path');
    expect(steps).toContain('later window');
    expect(countMarks(chartSvg(both.html, 'gradip'), 'line')).toBe(2); // mk's two clients
    expect(both.html).not.toContain('No run recorded GradIP values');
  });

  it('renders a run directory from before gradip.json per round, as before', async () => {
    const old = await buildReport([record('old', 'meerkat-vp', null)]);
    expect(old.charts).toContain('gradip');
    expect(old.charts).not.toContain('gradip-steps');
  });

  it('readRunDir reads gradip.json and names it when it is malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meerkat-run-'));
    await writeFile(
      join(dir, RUN_FILES.metrics),
      `${JSON.stringify(metrics(1, 'meerkat-vp', {}))}\n`,
    );
    expect((await readRunDir(dir)).gradipSteps).toBeNull();
    await writeFile(join(dir, RUN_FILES.gradip), JSON.stringify(STEPS));
    expect((await readRunDir(dir)).gradipSteps).toEqual(STEPS);
    const broken = { ...STEPS, clients: [{ ...STEPS.clients[0], gradip: [1, 'x'] }] };
    await writeFile(join(dir, RUN_FILES.gradip), JSON.stringify(broken));
    await expect(readRunDir(dir)).rejects.toMatchObject({
      code: 'MEERKAT_DATA_INVALID',
      message: expect.stringContaining(`${join(dir, 'gradip.json')}: clients[0] needs`),
    });
  });
});

const SUITE = `gradip.json of a Meerkat-vp run (stories260K)${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  it('holds every client’s per-step series, the windows and the detector’s features', async () => {
    const runDir = tempRunDir();
    const events: TrainerEvent[] = [];
    const config = tinyConfig(runDir, TINY_VP_OVERRIDES);
    for await (const e of new Meerkat(config).run()) events.push(e);
    const file = JSON.parse(readFileSync(join(runDir, 'gradip.json'), 'utf8')) as GradipSteps;
    const detection = events.find((e): e is DetectionEvent => e.type === 'detection')!;
    const first = events.find((e): e is RoundEndEvent => e.type === 'round-end')!.metrics;
    expect(file).toMatchObject({
      version: 1,
      round: 1,
      calibrationRounds: 1,
      calibrationSteps: 8,
      directions: 1,
      detector: { initialSteps: 2, laterSteps: 4, tauLater: 1, tauQuiet: 0, combine: 'or' },
    });
    // Every client, in client order, with its partition kind.
    const setup = events[0] as SetupEvent;
    expect(file.clients.map((c) => [c.clientId, c.kind])).toEqual(
      setup.clients.map((c) => [c.id, c.kind]),
    );
    expect(file.clients.filter((c) => c.kind === 'extreme')).toHaveLength(1);
    for (const c of file.clients) {
      expect(c.gradip).toHaveLength(8);
      expect(c.initialWindow).toEqual({ start: 0, end: 2 });
      expect(c.laterWindow).toEqual({ start: 4, end: 8 });
      // The metrics line keeps the mean |GradIP| of the same steps.
      const meanAbs = c.gradip.reduce((s, v) => s + Math.abs(v), 0) / c.gradip.length;
      expect(meanAbs).toBeCloseTo(first.gradip[c.clientId]!, 12);
      // The features are the detector's, as the detection event reports them.
      const d = detection.clients.find((x) => x.clientId === c.clientId)!;
      expect([c.rhoLater, c.rhoQuiet, c.flagged, c.reason]).toEqual([
        d.rhoLater,
        d.rhoQuiet,
        d.flagged,
        d.reason,
      ]);
    }
    // @meerkat/gradip's detector on the file's series gives the same verdicts.
    const again = detectExtremeClients(
      new Map(file.clients.map((c) => [c.clientId, Float64Array.from(c.gradip)])),
      {
        initial: { from: 0, length: 2 },
        later: { fromEnd: 4 },
        sigmaRel: 0.1,
        tauLater: 1,
        tauQuiet: 0,
        combine: 'or',
      },
    );
    expect(again.map((d) => [d.clientId, d.features.rhoLater, d.flagged])).toEqual(
      file.clients.map((c) => [c.clientId, c.rhoLater, c.flagged]),
    );
    // The report draws the calibration path per step: one line per client.
    const report = await buildReport([await readRunDir(runDir)]);
    expect(report.charts).toContain('gradip-steps');
    expect(report.charts).not.toContain('gradip');
    expect(countMarks(chartSvg(report.html, 'gradip-steps'), 'line')).toBe(3);
  }, 120_000);
});
