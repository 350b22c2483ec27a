import { describe, expect, it } from 'vitest';
import type {
  ClientDoneEvent,
  DetectionEvent,
  RoundEndEvent,
  SetupEvent,
  TrainerEvent,
} from '../src/events.js';
import { Meerkat } from '../src/meerkat.js';
import type { MethodName } from '../src/run-files.js';
import {
  HAVE_STORIES,
  STORIES_SKIP_NOTE,
  TINY_VP_OVERRIDES,
  tempRunDir,
  tinyConfig,
} from '../src/testing/stories.js';

async function collect(config: Record<string, unknown>): Promise<TrainerEvent[]> {
  const events: TrainerEvent[] = [];
  for await (const e of new Meerkat(config).run()) events.push(e);
  return events;
}

const fast = {
  rounds: 1,
  localSteps: 1,
  clients: 2,
  partition: { kind: 'iid' },
  evaluation: { every: 1, testSize: 8, initial: false },
  mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 16 } },
};

describe.skipIf(!HAVE_STORIES)(`every method runs (tiny)${STORIES_SKIP_NOTE}`, () => {
  const cases: [MethodName, number, SetupEvent['maskSource']][] = [
    ['full-zo', 260032, 'all'],
    ['random-mask', 260, 'random'],
    ['magnitude-mask', 260, 'magnitude'],
    ['fedavg-sgd', 260, 'calibrated'],
  ];
  for (const [method, k, source] of cases) {
    it(method, async () => {
      const events = await collect(tinyConfig(tempRunDir(), { ...fast, method }));
      const setup = events[0] as SetupEvent;
      expect(setup).toMatchObject({ k, maskSource: source });
      const end = events.find((e): e is RoundEndEvent => e.type === 'round-end')!;
      expect(end.metrics.method).toBe(method);
      expect(end.metrics.accuracy).toBeGreaterThanOrEqual(0);
      if (method === 'fedavg-sgd') {
        // First order: one forward (+ backward) per step; the update is the k-vector delta, the downlink θ.
        expect(end.log).toBeNull();
        expect(end.metrics.forwardPasses).toBe(2);
        expect(end.metrics.bytesUpPerClient).toBeGreaterThan(4 * 260);
        expect(end.metrics.bytesDownPerClient).toBeGreaterThan(4 * 260);
        expect(end.metrics.gradip).toEqual({});
      } else {
        expect(end.log).not.toBeNull();
        expect(end.metrics.forwardPasses).toBe(4);
        expect(end.metrics.bytesUpPerClient).toBeLessThan(300);
      }
    }, 60_000);
  }
});

const SUITE = `meerkat-vp: calibration phase, detection, early stopping${STORIES_SKIP_NOTE}`;
describe.skipIf(!HAVE_STORIES)(SUITE, () => {
  it('detects after the calibration round and gives flagged clients one local step from then on', async () => {
    const events = await collect(tinyConfig(tempRunDir(), TINY_VP_OVERRIDES));
    const detection = events.find((e): e is DetectionEvent => e.type === 'detection')!;
    expect(detection.round).toBe(1);
    expect(detection.clients).toHaveLength(3);
    for (const c of detection.clients) expect(Number.isFinite(c.rhoQuiet)).toBe(true);
    const flagged = detection.clients.filter((c) => c.flagged).map((c) => c.clientId);
    const done = events.filter((e): e is ClientDoneEvent => e.type === 'client-done');
    expect(done.filter((d) => d.round === 1).every((d) => d.steps === 8)).toBe(true);
    for (const d of done.filter((e) => e.round === 2))
      expect(d.steps).toBe(flagged.includes(d.clientId) ? 1 : 2);
    const ends = events.filter((e): e is RoundEndEvent => e.type === 'round-end');
    expect(ends.map((e) => e.metrics.phase)).toEqual(['calibration', 'training']);
    expect(ends[1]!.metrics.flagged).toEqual([...flagged].sort());
    const summary = events.at(-1)!;
    expect(summary.type === 'done' && summary.summary.detection).toBeDefined();
  }, 90_000);
});
