import {
  applyReplayLog,
  buildReplayLog,
  decodeReplayLog,
  encodeReplayLog,
} from '@meerkat/fed-aggregate';
import { deriveSeed } from '@meerkat/zo-estimator';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import type { Clock } from '../src/coordinator/clock.js';
import { MeerkatError } from '../src/errors.js';
import type {
  RoundEndEvent,
  StragglersEvent,
  TrainerEvent,
  UpdateRejectedEvent,
} from '../src/events.js';
import { Meerkat } from '../src/meerkat.js';
import { encodeMessage } from '../src/protocol/codec.js';
import type { AnnounceMessage, UpdateMessage, UplinkMessage } from '../src/protocol/messages.js';
import type { ClientLink } from '../src/protocol/transport.js';
import {
  HAVE_STORIES,
  STORIES_DIR,
  STORIES_SKIP_NOTE,
  tempRunDir,
  tinyConfig,
} from '../src/testing/stories.js';
import { RecordingTransport } from './recording-transport.js';

/** A clock that moves only when the test advances it. */
class ManualClock implements Clock {
  private t = 0;
  private readonly sleepers = new Set<{ at: number; resolve: () => void }>();

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return;
      if (ms <= 0) return resolve();
      const sleeper = { at: this.t + ms, resolve };
      this.sleepers.add(sleeper);
      signal.addEventListener('abort', () => this.sleepers.delete(sleeper), { once: true });
    });
  }

  advance(ms: number): void {
    this.t += ms;
    for (const s of [...this.sleepers]) {
      if (s.at <= this.t) {
        this.sleepers.delete(s);
        s.resolve();
      }
    }
  }
}

/**
 * The in-process transport (recording what is delivered) with a gate per client: while a
 * client's gate is closed its updates are held — the client has sent them, the coordinator has not
 * received them — and opening the gate delivers them, late. Test-only: the real coordinator and
 * clients run on both sides.
 */
class GatedTransport extends RecordingTransport {
  private readonly gated = new Set<string>();
  private readonly held = new Map<string, { send: () => Promise<number> }[]>();

  hold(clientId: string): void {
    this.gated.add(clientId);
  }

  async release(clientId: string): Promise<void> {
    this.gated.delete(clientId);
    for (const h of this.held.get(clientId)?.splice(0) ?? []) await h.send();
  }

  override client(clientId: string): ClientLink {
    const inner = super.client(clientId);
    return {
      clientId,
      send: async (message: UplinkMessage) => {
        if (message.type !== 'update' || !this.gated.has(clientId)) return inner.send(message);
        const list = this.held.get(clientId) ?? [];
        list.push({ send: () => inner.send(message) });
        this.held.set(clientId, list);
        return encodeMessage(message).length;
      },
      onMessage: (handler) => inner.onMessage(handler),
    };
  }
}

const SMALL = {
  mask: { energyExamples: 0, calibration: { batches: 1, batchSize: 2, seqLen: 32 } },
  evaluation: { every: 3, testSize: 8, initial: false },
};
const DEADLINE_S = 10;
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('round deadline and quorum config', () => {
  const base = { model: STORIES_DIR, runDir: '/tmp/x', clients: 3 };
  const issuesOf = (input: Record<string, unknown>) => {
    try {
      parseRunConfig({ ...base, ...input });
    } catch (e) {
      expect(e).toBeInstanceOf(MeerkatError);
      return (e as MeerkatError).issues.map((i) => `${i.path}: ${i.message} (${i.allowed})`);
    }
    return [];
  };

  it('defaults to no deadline and the whole sampled set as quorum', () => {
    const c = parseRunConfig(base);
    expect(c.roundDeadlineSeconds).toBeUndefined();
    expect(c.minQuorum).toBeUndefined();
    expect(parseRunConfig({ ...base, roundDeadlineSeconds: 5, minQuorum: 0.5 }).minQuorum).toBe(
      0.5,
    );
  });

  it('rejects a quorum without a deadline, a fractional count, more than the sampled clients, a non-positive deadline', () => {
    expect(issuesOf({ minQuorum: 2 })).toEqual([
      expect.stringMatching(/^minQuorum: a quorum needs a round deadline.*roundDeadlineSeconds/),
    ]);
    expect(issuesOf({ roundDeadlineSeconds: 5, minQuorum: 1.5 })).toEqual([
      'minQuorum: 1.5 is neither a whole count nor a fraction below 1 (an integer count 1 … 3 (the sampled clients) or a fraction in (0, 1))',
    ]);
    // participation 0.5 of 3 clients samples 2 per round.
    expect(issuesOf({ roundDeadlineSeconds: 5, minQuorum: 3, participation: 0.5 })).toEqual([
      'minQuorum: 3 is more than the 2 clients sampled per round (an integer count 1 … 2 (the sampled clients) or a fraction in (0, 1))',
    ]);
    expect(issuesOf({ roundDeadlineSeconds: 0 })).toEqual([
      'roundDeadlineSeconds: 0 is too small (> 0)',
    ]);
  });
});

describe.skipIf(!HAVE_STORIES)(
  `stragglers: deadline 10 s, quorum 2 of 3 (meerkat on stories260K, manual clock)${STORIES_SKIP_NOTE}`,
  () => {
    const runDir = tempRunDir();
    const transport = new GatedTransport();
    const clock = new ManualClock();
    const events: TrainerEvent[] = [];
    let trainer: Meerkat;
    let theta0: Float32Array;

    beforeAll(async () => {
      trainer = new Meerkat(
        tinyConfig(runDir, { rounds: 3, roundDeadlineSeconds: DEADLINE_S, minQuorum: 2, ...SMALL }),
        { transport, clock },
      );
      let done = 0;
      for await (const e of trainer.run()) {
        events.push(e);
        if (e.type === 'setup') theta0 = trainer.theta!;
        if (e.type === 'round-start') {
          done = 0;
          // Round 1: client-002 misses the deadline. Round 3: client-001 answers in the grace
          // period (after the deadline, below the quorum) and client-002 never does.
          if (e.round === 1) transport.hold('client-002');
          if (e.round === 3) {
            transport.hold('client-001');
            transport.hold('client-002');
          }
        }
        if (e.type === 'client-done') {
          done++;
          if (e.round === 1 && done === 2) clock.advance(DEADLINE_S * 1000 + 1);
          if (e.round === 3 && done === 1) {
            clock.advance(DEADLINE_S * 1000 + 1);
            await transport.release('client-001');
          }
        }
        // client-002's round-1 update reaches the coordinator after round 1 closed (it may still
        // be computing it: its handlers run in order, so it arrives before its round-2 update).
        if (e.type === 'round-end' && e.metrics.round === 1) await transport.release('client-002');
      }
    }, 60_000);

    const roundEnds = () => events.filter((e): e is RoundEndEvent => e.type === 'round-end');
    const delivered = (round: number) =>
      transport.log
        .filter((r) => r.direction === 'up' && r.message.type === 'update')
        .map((r) => r.message as UpdateMessage)
        .filter((u) => u.round === round);

    it('closes rounds 1 and 3 without client-002, and says so in events and metrics', () => {
      expect(events.filter((e): e is StragglersEvent => e.type === 'stragglers')).toEqual([
        { type: 'stragglers', round: 1, stragglers: ['client-002'], answered: 2, quorum: 2 },
        { type: 'stragglers', round: 3, stragglers: ['client-002'], answered: 2, quorum: 2 },
      ]);
      const done = (round: number) =>
        events
          .filter((e) => e.type === 'client-done' && e.round === round)
          .map((e) => (e as { clientId: string }).clientId);
      expect(done(1)).toEqual(['client-000', 'client-001']);
      expect(done(2).sort()).toEqual(['client-000', 'client-001', 'client-002']);
      expect(done(3)).toEqual(['client-000', 'client-001']);
      const metrics = roundEnds().map((e) => e.metrics);
      expect(metrics.map((m) => m.stragglers)).toEqual([['client-002'], undefined, ['client-002']]);
      expect('stragglers' in metrics[1]!).toBe(false);
      for (const m of metrics) expect(m.participants).toHaveLength(3);
    });

    it("rejects client-002's late round-1 update with reason 'late' and never aggregates it", () => {
      expect(events.filter((e): e is UpdateRejectedEvent => e.type === 'update-rejected')).toEqual([
        {
          type: 'update-rejected',
          round: 2,
          clientId: 'client-002',
          updateRound: 1,
          reason: 'late',
        },
      ]);
      // It was delivered (after the close) …
      expect(delivered(0).map((u) => u.clientId)).toEqual([
        'client-000',
        'client-001',
        'client-002',
      ]);
      // … but none of its seeds are in the round's replay log.
      const log = decodeReplayLog(roundEnds()[0]!.log!);
      const late = [0, 1].map((t) => deriveSeed(7n, 0, 'client-002', t));
      expect(Array.from(log.seeds).some((s) => late.includes(s))).toBe(false);
      expect(log.seeds).toHaveLength(2 * 2);
    });

    it('θ of a round with a straggler is the aggregation of the on-time updates only', () => {
      const lr = trainer.summary!.lr!;
      for (const [index, round] of [
        [0, 0],
        [2, 2],
      ] as const) {
        const onTime = delivered(round).filter((u) => u.clientId !== 'client-002');
        expect(onTime.map((u) => u.clientId)).toEqual(['client-000', 'client-001']);
        const expected = buildReplayLog(
          onTime.map((u) => ({
            round: u.round,
            clientId: u.clientId,
            g: u.g,
            numSamples: u.numSamples,
          })),
          { runSeed: 7n, round, lr },
        );
        expect(Buffer.from(roundEnds()[index]!.log!)).toEqual(
          Buffer.from(encodeReplayLog(expected)),
        );
        const n0 = onTime[0]!.numSamples;
        const n1 = onTime[1]!.numSamples;
        expect(Array.from(expected.p)).toEqual([n0, n0, n1, n1].map((n) => n / (n0 + n1)));
      }
      // And the run's θ is the replay of those logs from θ⁰, bit for bit.
      const theta = theta0.slice();
      for (const e of roundEnds()) applyReplayLog(theta, decodeReplayLog(e.log!));
      expect(bits(theta).equals(bits(trainer.theta!))).toBe(true);
    });

    it('client-002 catches up through its next announce and its round-2 update is aggregated', () => {
      const announces = transport.log
        .filter((r) => r.direction === 'down' && r.clientId === 'client-002')
        .map((r) => r.message)
        .filter((m): m is AnnounceMessage => m.type === 'announce');
      const round2 = announces.find((a) => a.round === 1)!;
      expect(round2.catchUp.kind).toBe('logs');
      if (round2.catchUp.kind !== 'logs') return;
      expect(round2.catchUp.round).toBe(1);
      expect(round2.catchUp.logs.map((l) => Buffer.from(l))).toEqual([
        Buffer.from(roundEnds()[0]!.log!),
      ]);
      // The catch-up brings θ⁰ (what client-002 last held) to θ¹ of the on-time clients.
      const theta = theta0.slice();
      applyReplayLog(theta, decodeReplayLog(round2.catchUp.logs[0]!));
      const theta1 = theta0.slice();
      applyReplayLog(theta1, decodeReplayLog(roundEnds()[0]!.log!));
      expect(bits(theta).equals(bits(theta1))).toBe(true);
      const log2 = decodeReplayLog(roundEnds()[1]!.log!);
      const seeds = [0, 1].map((t) => deriveSeed(7n, 1, 'client-002', t));
      expect(Array.from(log2.seeds).slice(4)).toEqual(seeds);
    });
  },
);

describe.skipIf(!HAVE_STORIES)(`stragglers: quorum not met${STORIES_SKIP_NOTE}`, () => {
  it('waits the grace period (one more deadline), then fails naming the missing client', async () => {
    const transport = new GatedTransport();
    const clock = new ManualClock();
    const trainer = new Meerkat(
      tinyConfig(tempRunDir(), { rounds: 1, roundDeadlineSeconds: DEADLINE_S, ...SMALL }),
      { transport, clock },
    );
    const run = trainer.run();
    let done = 0;
    for (;;) {
      const step = await run.next();
      if (step.done === true) throw new Error('the run should not finish');
      const e = step.value;
      if (e.type === 'round-start') transport.hold('client-002');
      if (e.type === 'client-done' && ++done === 2) break;
    }
    clock.advance(DEADLINE_S * 1000 + 1); // past the deadline, below the quorum (3 of 3)
    let settled = false;
    const next = run.next().finally(() => {
      settled = true;
    });
    next.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false); // still waiting in the grace period
    clock.advance(DEADLINE_S * 1000); // past the grace period
    await expect(next).rejects.toMatchObject({
      name: 'MeerkatError',
      code: 'MEERKAT_QUORUM_NOT_MET',
      message: expect.stringMatching(
        /round 1: 2 of 3 .*quorum \(minQuorum\) is 3; missing: client-002$/,
      ),
    });
  }, 60_000);
});
