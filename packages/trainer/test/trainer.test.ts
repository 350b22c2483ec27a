import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyReplayLog, decodeReplayLog, replayLogByteLength } from '@meerkat/fed-aggregate';
import { deriveSeed } from '@meerkat/zo-estimator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoundEndEvent, SetupEvent, TrainerEvent } from '../src/events.js';
import { Meerkat } from '../src/meerkat.js';
import type { AnnounceMessage, UpdateMessage } from '../src/protocol/messages.js';
import { decodeThetaFile } from '../src/run-dir.js';
import type { RoundMetrics, RunSummary } from '../src/run-files.js';
import { HAVE_STORIES, STORIES_SKIP_NOTE, tempRunDir, tinyConfig } from '../src/testing/stories.js';
import { RecordingTransport } from './recording-transport.js';

describe.skipIf(!HAVE_STORIES)(
  `Meerkat trainer on stories260K (meerkat, 3 clients, 3 rounds)${STORIES_SKIP_NOTE}`,
  () => {
    const runDir = tempRunDir();
    const transport = new RecordingTransport();
    const events: TrainerEvent[] = [];
    let trainer: Meerkat;
    let theta0: Float32Array;

    beforeAll(async () => {
      trainer = new Meerkat(
        tinyConfig(runDir, {
          rounds: 3,
          mask: { energyExamples: 4, calibration: { batches: 1, batchSize: 2, seqLen: 32 } },
        }),
        {
          transport,
        },
      );
      for await (const e of trainer.run()) {
        events.push(e);
        if (e.type === 'setup') theta0 = trainer.theta!;
      }
    }, 120_000);

    const roundEnds = () => events.filter((e): e is RoundEndEvent => e.type === 'round-end');

    it('yields events in protocol order and changes θ', () => {
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('setup');
      expect(types.at(-1)).toBe('done');
      expect(types.filter((t) => t === 'round-end')).toHaveLength(3);
      expect(types.filter((t) => t === 'client-done')).toHaveLength(9);
      const setup = events[0] as SetupEvent;
      expect(setup.k).toBe(260);
      expect(setup.d).toBe(260032);
      expect(setup.maskEnergy!.fraction).toBeGreaterThan(0);
      expect(setup.maskEnergy!.fraction).toBeLessThanOrEqual(1);
      const final = decodeThetaFile(new Uint8Array(readFileSync(join(runDir, 'theta.bin')))).theta;
      expect(final).toEqual(trainer.theta);
      expect(final.some((v, i) => v !== theta0[i])).toBe(true);
    });

    it('writes one well-formed metrics line per round, and a summary', () => {
      const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RoundMetrics);
      expect(lines.map((m) => m.round)).toEqual([1, 2, 3]);
      expect(lines).toEqual(roundEnds().map((e) => e.metrics));
      let cumulative = 0;
      for (const m of lines) {
        expect(m.method).toBe('meerkat');
        expect(m.phase).toBe('training');
        expect(m.participants).toEqual(['client-000', 'client-001', 'client-002']);
        expect(m.forwardPasses).toBe(3 * 2 * 2); // clients × steps × two-point
        expect(Object.keys(m.gradip).sort()).toEqual(m.participants);
        expect(Object.values(m.gradip).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
        expect(m.flagged).toEqual([]);
        expect(m.trainLoss).toBeGreaterThan(0);
        cumulative += m.bytesUpPerClient + m.bytesDownPerClient;
        expect(m.cumulativeBytesPerClient).toBeCloseTo(cumulative, 9);
      }
      expect(lines[0]!.accuracy).toBeNull(); // evaluation every 2 rounds, and after the last
      expect(lines[1]!.accuracy).toBeGreaterThanOrEqual(0);
      expect(lines[2]!.accuracy).toBeGreaterThanOrEqual(0);
      const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.rounds).toBe(3);
      expect(summary.trainableParameters).toBe(260);
      expect(summary.totalForwardPasses).toBe(36);
      // The process's peak RSS: at least Node plus the model's 1 MB of weights, below 4 GiB.
      expect(summary.peakRssBytes).toBeGreaterThan(50 * 2 ** 20);
      expect(summary.peakRssBytes).toBeLessThan(4 * 2 ** 30);
      expect(summary.finalAccuracy).toBe(lines[2]!.accuracy);
      expect(summary.clients.map((c) => c.kind).sort()).toEqual(['extreme', 'normal', 'normal']);
      const extreme = summary.clients.find((c) => c.kind === 'extreme')!;
      expect(extreme.labels).toEqual({ ham: 0, spam: 60 });
      expect(summary.clients.reduce((s, c) => s + c.numSamples, 0)).toBe(240);
      // No lr in the config: the method's default for k, recorded in summary.json.
      expect(summary.lr).toBe(1e-2);
    });

    it('accounts bytes as the sizes of the protocol messages that were actually sent', () => {
      const lines = roundEnds().map((e) => e.metrics);
      const announces = transport.log.filter(
        (r) => r.direction === 'down' && r.message.type === 'announce',
      );
      const updates = transport.log.filter(
        (r) => r.direction === 'up' && r.message.type === 'update',
      );
      const finishes = transport.log.filter(
        (r) => r.direction === 'down' && r.message.type === 'finish',
      );
      for (const m of lines) {
        const r = m.round - 1;
        const up = updates.filter((u) => (u.message as UpdateMessage).round === r);
        const down = announces.filter((a) => (a.message as AnnounceMessage).round === r);
        const extra = m.round === 3 ? finishes : [];
        expect(up).toHaveLength(3);
        expect(m.bytesUpPerClient).toBe(up.reduce((s, u) => s + u.bytes, 0) / 3);
        expect(m.bytesDownPerClient).toBe([...down, ...extra].reduce((s, u) => s + u.bytes, 0) / 3);
        // An update is one float64 per step plus a fixed frame and a small JSON header.
        for (const u of up) {
          expect((u.message as UpdateMessage).g).toHaveLength(2);
          expect(u.bytes).toBeGreaterThan(16 + 8 + 16);
          expect(u.bytes).toBeLessThan(16 + 8 * 2 + 8 + 256);
        }
        // From round 2 on, the announce carries the previous round's replay log (6 entries).
        for (const a of down) {
          const catchUp = (a.message as AnnounceMessage).catchUp;
          if (r === 0) expect(catchUp.kind).toBe('none');
          else {
            expect(catchUp.kind).toBe('logs');
            if (catchUp.kind === 'logs')
              expect(catchUp.logs.map((l) => l.length)).toEqual([replayLogByteLength(6)]);
          }
        }
      }
    });

    it('uploads only scalars: seeds are derived, never sent; every client derives the seeds the server plans', () => {
      const update = transport.log.find((r) => r.message.type === 'update')!
        .message as UpdateMessage;
      expect(update.delta).toHaveLength(0);
      const log = decodeReplayLog(roundEnds()[0]!.log!);
      const expected = ['client-000', 'client-001', 'client-002'].flatMap((c) =>
        [0, 1].map((t) => deriveSeed(7n, 0, c, t)),
      );
      expect(Array.from(log.seeds)).toEqual(expected);
    });

    it('replaying the downlink logs from θ⁰ gives the final θ bit for bit', () => {
      const theta = theta0.slice();
      for (const e of roundEnds()) applyReplayLog(theta, decodeReplayLog(e.log!));
      expect(Buffer.from(theta.buffer).equals(Buffer.from(trainer.theta!.buffer))).toBe(true);
    });
  },
);
