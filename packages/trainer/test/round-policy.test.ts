import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config/parse-run-config.js';
import { Coordinator, type CoordinatorEvent } from '../src/coordinator/coordinator.js';
import { createRoundPolicy } from '../src/coordinator/create-round-policy.js';
import { FixedStepsPolicy } from '../src/coordinator/fixed-steps-policy.js';
import { ZoAggregator } from '../src/coordinator/round-aggregator.js';
import type { PolicyState, RoundPolicy } from '../src/coordinator/round-policy.js';
import { decodeTrainerCheckpoint } from '../src/coordinator/trainer-checkpoint.js';
import { VirtualPathPolicy } from '../src/coordinator/virtual-path-policy.js';
import { METHOD_NAMES, METHOD_PRESETS } from '../src/methods.js';
import { InProcessTransport } from '../src/protocol/in-process-transport.js';
import type { UpdateMessage } from '../src/protocol/messages.js';
import { RunDirectory } from '../src/run-dir.js';
import { RunRecorder } from '../src/run-recorder.js';
import { testRunDescriptor } from '../src/testing/run-descriptor.js';

// The coordinator's loop against scripted clients and a scripted policy: no model, no data. The
// clients answer every announce with g = 0.5 per step, so θ never needs a forward pass.
const CLIENTS = ['a', 'b', 'c'].map((id) => ({
  id,
  kind: id === 'c' ? ('extreme' as const) : ('normal' as const),
  numSamples: 10,
  labels: {},
}));

function config(overrides: Record<string, unknown> = {}) {
  return parseRunConfig({
    model: '/nonexistent-model',
    runDir: join(mkdtempSync(join(tmpdir(), 'meerkat-policy-')), 'run'),
    clients: 3,
    rounds: 3,
    localSteps: 2,
    evaluation: { every: 1, initial: false },
    ...overrides,
  });
}

function scriptedClients(transport: InProcessTransport): void {
  for (const { id } of CLIENTS) {
    const link = transport.client(id);
    link.onMessage(async (m) => {
      if (m.type !== 'announce') return;
      const update: UpdateMessage = {
        v: 1,
        type: 'update',
        round: m.round,
        clientId: id,
        numSamples: 10,
        g: new Float64Array(m.steps).fill(0.5),
        delta: new Float32Array(0),
        loss: { mean: 1, first: 1, last: 1 },
        forwardPasses: 2 * m.steps,
        skippedSteps: 0,
      };
      await link.send(update);
    });
    void link.send({ v: 1, type: 'join', clientId: id, numSamples: 10, round: 0 });
  }
}

/** A policy that gives client `b` 1 step in round 2 (others 3) and counts what it is told. */
class ScriptedPolicy implements RoundPolicy {
  readonly flagged: readonly string[] = [];
  round = 0;
  updates: string[] = [];
  seedsSeen = 0;
  get phase() {
    return 'training' as const;
  }
  localSteps(clientId: string): number {
    return this.round === 1 && clientId === 'b' ? 1 : 3;
  }
  onUpdate(update: UpdateMessage, seeds: readonly bigint[]): number | null {
    this.updates.push(`${update.round}:${update.clientId}`);
    this.seedsSeen += seeds.length;
    return seeds.length;
  }
  onRoundClosed(): null {
    this.round++;
    return null;
  }
  state(): PolicyState {
    return { policy: { round: this.round }, calibrationSeries: {}, flagged: [] };
  }
}

async function runCoordinator(policy: RoundPolicy, cfg = config()) {
  const transport = new InProcessTransport();
  const aggregator = ZoAggregator.create(
    { runSeed: 7n, lr: 0.01, directions: 1, participation: { fraction: 1 } },
    new Float32Array(4),
  );
  const coordinator = new Coordinator({
    config: cfg,
    link: transport.coordinator(),
    aggregator,
    clients: CLIENTS,
    run: testRunDescriptor({
      runId: 'policy',
      runSeed: '7',
      dataSeed: '7',
      layoutFingerprint: 'f',
    }),
    policy,
    evaluate: async () => ({ accuracy: 0.5, loss: 1, examples: 4 }),
    layoutFingerprint: 'f',
  });
  scriptedClients(transport);
  const events: CoordinatorEvent[] = [];
  const rounds = coordinator.run();
  let next = await rounds.next();
  while (next.done !== true) {
    events.push(next.value);
    next = await rounds.next();
  }
  await transport.close();
  return { events, summary: next.value, cfg };
}

describe('the coordinator asks its RoundPolicy', () => {
  it('how many steps each client takes in each round', async () => {
    const policy = new ScriptedPolicy();
    const { events } = await runCoordinator(policy);
    const done = events.filter((e) => e.type === 'client-done');
    expect(done.map((e) => `${e.round}:${e.clientId}:${e.steps}`)).toEqual([
      '1:a:3',
      '1:b:3',
      '1:c:3',
      '2:a:3',
      '2:b:1',
      '2:c:3',
      '3:a:3',
      '3:b:3',
      '3:c:3',
    ]);
    // Every accepted update reached the policy with its seeds (one per step), and the policy's
    // answer is the round's per-client GradIP entry in the metrics.
    expect(policy.updates).toEqual(['0:a', '0:b', '0:c', '1:a', '1:b', '1:c', '2:a', '2:b', '2:c']);
    expect(policy.seedsSeen).toBe(8 * 3 + 1);
    const ends = events.filter((e) => e.type === 'round-end');
    expect(ends[1]!.metrics.gradip).toEqual({ a: 3, b: 1, c: 3 });
  });

  it('and hands the policy state to the checkpoint, without scoring anything itself', async () => {
    const policy = new ScriptedPolicy();
    const { events, summary } = await runCoordinator(policy);
    const due = events.filter((e) => e.type === 'checkpoint-due');
    expect(due.map((e) => e.round)).toEqual([1, 2, 3]);
    expect(due.map((e) => e.state.policy)).toEqual([{ round: 1 }, { round: 2 }, { round: 3 }]);
    expect(due.every((e) => e.state.detection === null)).toBe(true);
    expect(summary.detection).toBeUndefined();
    expect(events.some((e) => (e as { type: string }).type === 'detection')).toBe(false);
  });
});

describe('RunRecorder', () => {
  it('writes the metrics lines and checkpoints the coordinator reports, nothing else', async () => {
    const { events, cfg } = await runCoordinator(new ScriptedPolicy());
    const runDir = new RunDirectory(cfg.runDir);
    const recorder = new RunRecorder(cfg, runDir, CLIENTS);
    const recorded = events.map((e) => recorder.record(e));
    const metricsLines = readFileSync(runDir.path('metrics'), 'utf8').trim().split('\n');
    expect(metricsLines.map((l) => JSON.parse(l).round)).toEqual([1, 2, 3]);
    const checkpoints = recorded.filter((e) => e.type === 'checkpoint');
    expect(checkpoints.map((e) => e.round)).toEqual([1, 2, 3]);
    const { state } = decodeTrainerCheckpoint(
      new Uint8Array(readFileSync(runDir.path('checkpoint'))),
    );
    expect(state.round).toBe(3);
    expect(state.policy).toEqual({ round: 3 });
    expect(existsSync(runDir.path('gradip'))).toBe(false);
  });

  it('scores the detector verdicts against the partition kinds and writes gradip.json', () => {
    const cfg = config({ method: 'meerkat-vp' });
    const runDir = new RunDirectory(cfg.runDir);
    const recorder = new RunRecorder(cfg, runDir, CLIENTS);
    const verdict = (clientId: string, flagged: boolean) => ({
      clientId,
      flagged,
      reason: flagged ? 'later' : 'none',
      features: {
        initialScale: 1,
        laterScale: 1,
        rhoLater: 1,
        sigma: 0.1,
        rhoQuiet: 0.5,
      },
    });
    const series = new Map(
      CLIENTS.map((c) => [c.id, Float64Array.from({ length: 40 }, (_, i) => i / 40)]),
    );
    const event = recorder.record({
      type: 'detection-verdicts',
      round: 1,
      // a and c flagged: c is truly extreme (TP), a is not (FP); b is a TN.
      detection: {
        detections: [verdict('a', true), verdict('b', false), verdict('c', true)] as never,
        series,
      },
    });
    expect(event.type).toBe('detection');
    if (event.type !== 'detection') return;
    expect(event.clients.map((c) => c.truth)).toEqual(['normal', 'normal', 'extreme']);
    expect(event.precision).toBe(0.5);
    expect(event.recall).toBe(1);
    const gradip = JSON.parse(readFileSync(runDir.path('gradip'), 'utf8'));
    expect(gradip.clients.map((c: { kind: string }) => c.kind)).toEqual([
      'normal',
      'normal',
      'extreme',
    ]);
    // The scored detection goes into the summary, before `seconds` as summary.json always had it.
    const summary = recorder.summary({
      seconds: 1,
      startedAt: 's',
      finishedAt: 'f',
    } as never);
    expect(Object.keys(summary)).toEqual(['detection', 'seconds', 'startedAt', 'finishedAt']);
    expect(summary.detection).toMatchObject({
      truePositives: 1,
      falsePositives: 1,
      trueNegatives: 1,
    });
  });
});

describe('methods are policies plus presets', () => {
  it('every method names a policy, and createRoundPolicy builds that policy', () => {
    for (const method of METHOD_NAMES) {
      const cfg = config({ method });
      const policy = createRoundPolicy({ config: cfg, clients: CLIENTS, dataSeed: 7n, gPre: null });
      const expected =
        METHOD_PRESETS[method].policy === 'virtual-path' ? VirtualPathPolicy : FixedStepsPolicy;
      expect(policy).toBeInstanceOf(expected);
    }
  });

  it('Meerkat-vp calibrates with long paths, then gives every client localSteps until flagged', () => {
    const cfg = config({
      method: 'meerkat-vp',
      localSteps: 2,
      vp: { calibrationSteps: 6, detector: { initialSteps: 2, laterSteps: 3 } },
    });
    const policy = createRoundPolicy({ config: cfg, clients: CLIENTS, dataSeed: 7n, gPre: null });
    expect(policy.phase).toBe('calibration');
    expect(CLIENTS.map((c) => policy.localSteps(c.id))).toEqual([6, 6, 6]);
    const detection = policy.onRoundClosed();
    expect(detection).not.toBeNull();
    expect(policy.phase).toBe('training');
    // Without ḡ_pre there is no GradIP series, so nobody is flagged and everyone takes localSteps.
    expect(policy.flagged).toEqual([]);
    expect(CLIENTS.map((c) => policy.localSteps(c.id))).toEqual([2, 2, 2]);
  });
});
