import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodName, RoundMetrics, RunSummary } from '@meerkat/trainer';
import { describe, expect, it } from 'vitest';
import { decadeTicks } from '../src/chart-specs.js';
import { type RunRecord, readRunDir } from '../src/read-run-dir.js';
import { assignSeries, gradipPoints, seriesCurves } from '../src/report-data.js';
import { meanStd } from '../src/stats.js';

function metrics(
  round: number,
  method: MethodName,
  over: Partial<RoundMetrics> = {},
): RoundMetrics {
  return {
    round,
    method,
    phase: 'training',
    accuracy: null,
    loss: null,
    trainLoss: null,
    bytesUpPerClient: 10,
    bytesDownPerClient: 100,
    cumulativeBytesPerClient: 110 * round,
    forwardPasses: 4,
    gradip: {},
    flagged: [],
    participants: ['c0', 'c1'],
    seconds: 0.1,
    ...over,
  };
}

function run(
  name: string,
  method: MethodName,
  seed: number,
  localSteps: number,
  rounds: readonly RoundMetrics[],
  initialAccuracy: number | null = null,
): RunRecord {
  const summary = {
    name,
    method,
    seed,
    localSteps,
    rounds: rounds.length,
    initialAccuracy,
    clients: [
      { id: 'c0', kind: 'extreme', numSamples: 5, labels: { spam: 5 }, flagged: true },
      { id: 'c1', kind: 'normal', numSamples: 5, labels: { spam: 2, ham: 3 }, flagged: false },
    ],
  } as unknown as RunSummary;
  return { dir: `/runs/${name}`, name, config: null, metrics: rounds, summary, detection: null };
}

describe('meanStd', () => {
  it('gives the mean and the sample standard deviation', () => {
    const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([3])).toEqual({ mean: 3, std: 0, n: 1 });
    expect(meanStd([]).n).toBe(0);
  });
});

describe('assignSeries', () => {
  it('groups by method and splits a method by local steps only when they differ', () => {
    const runs = [
      run('a', 'meerkat', 0, 1, []),
      run('b', 'meerkat', 1, 1, []),
      run('c', 'full-zo', 0, 1, []),
      run('d', 'full-zo', 0, 10, []),
    ];
    expect(assignSeries(runs).map((r) => r.series)).toEqual([
      'meerkat',
      'meerkat',
      'full-zo T=1',
      'full-zo T=10',
    ]);
  });

  it('falls back to run names when two runs would share a series and a seed', () => {
    const runs = [run('x', 'meerkat', 0, 1, []), run('y', 'meerkat', 0, 1, [])];
    expect(assignSeries(runs).map((r) => r.series)).toEqual(['x', 'y']);
  });
});

describe('seriesCurves', () => {
  it('averages accuracy over seeds per round with a ±1 std band, round 0 from initialAccuracy', () => {
    const runs = assignSeries([
      run('s0', 'meerkat', 0, 1, [metrics(1, 'meerkat', { accuracy: 0.6, loss: 0.7 })], 0.5),
      run('s1', 'meerkat', 1, 1, [metrics(1, 'meerkat', { accuracy: 0.8, loss: 0.5 })], 0.5),
      run('s2', 'meerkat', 2, 1, [metrics(1, 'meerkat')], 0.5),
    ]);
    const points = seriesCurves(runs);
    expect(points.map((p) => p.round)).toEqual([0, 1]);
    const [r0, r1] = points as [(typeof points)[0], (typeof points)[0]];
    expect(r0.accuracy).toBe(0.5);
    expect(r0.runs).toBe(3);
    expect(r1.runs).toBe(2);
    expect(r1.accuracy).toBeCloseTo(0.7, 12);
    const std = Math.sqrt(0.02);
    expect(r1.accuracyLow).toBeCloseTo(0.7 - std, 12);
    expect(r1.accuracyHigh).toBeCloseTo(0.7 + std, 12);
    expect(r1.loss).toBeCloseTo(0.6, 12);
    expect(r1.cumulativeBytesPerClient).toBe(110);
  });
});

describe('gradipPoints', () => {
  it('takes |GradIP| per client, labels the partition kind and drops zeros', () => {
    const r = run('vp', 'meerkat-vp', 0, 1, [
      metrics(1, 'meerkat-vp', { gradip: { c0: -0.5, c1: 0.25 } }),
      metrics(2, 'meerkat-vp', { gradip: { c0: 0, c1: -0.125, c9: 1 } }),
    ]);
    const points = gradipPoints(assignSeries([r]));
    expect(points.map((p) => [p.round, p.client, p.kind, p.absGradip])).toEqual([
      [1, 'c0', 'extreme', 0.5],
      [1, 'c1', 'normal', 0.25],
      [2, 'c1', 'normal', 0.125],
      [2, 'c9', 'unknown', 1],
    ]);
  });
});

describe('decadeTicks', () => {
  it('covers the data with powers of ten', () => {
    expect(decadeTicks([0.003, 0.2])).toEqual([0.001, 0.01, 0.1, 1]);
    expect(decadeTicks([5, 5])).toEqual([1, 10]);
    expect(decadeTicks([0, -1])).toEqual([1, 10]);
  });
});

describe('readRunDir', () => {
  it('names the file and line of a malformed metrics record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meerkat-run-'));
    await writeFile(
      join(dir, 'metrics.jsonl'),
      `${JSON.stringify(metrics(1, 'meerkat'))}\n{"round": 2, "method": "meerkat"}\n`,
    );
    await expect(readRunDir(dir)).rejects.toMatchObject({
      code: 'MEERKAT_DATA_INVALID',
      message: expect.stringContaining(`${join(dir, 'metrics.jsonl')}:2: field 'bytesUpPerClient'`),
    });
    await writeFile(join(dir, 'metrics.jsonl'), 'not json\n');
    await expect(readRunDir(dir)).rejects.toMatchObject({
      message: expect.stringContaining('metrics.jsonl:1: not valid JSON'),
    });
  });

  it('says a directory without metrics.jsonl is not a run directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meerkat-run-'));
    await mkdir(join(dir, 'sub'));
    await expect(readRunDir(join(dir, 'sub'))).rejects.toMatchObject({
      code: 'MEERKAT_FILE_NOT_FOUND',
      message: expect.stringContaining('metrics.jsonl is missing'),
    });
  });

  it('reads an unfinished run (no summary yet) under its directory name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meerkat-run-'));
    await writeFile(join(dir, 'metrics.jsonl'), `${JSON.stringify(metrics(1, 'full-zo'))}\n\n`);
    const r = await readRunDir(dir);
    expect(r.summary).toBeNull();
    expect(r.metrics).toHaveLength(1);
    expect(r.name).toBe(dir.split('/').pop());
  });
});
