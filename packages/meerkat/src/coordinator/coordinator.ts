import { participantCount } from '@meerkat/fed-aggregate';
import {
  ClientDataCursor,
  type Detection,
  detectExtremeClients,
  EarlyStoppingPolicy,
  gradipSeries,
  scoreDetection,
} from '@meerkat/gradip';
import type { StepRecord } from '@meerkat/zo-estimator';
import type { RunConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import type { TrainerEvent } from '../events.js';
import { METHOD_PRESETS } from '../methods.js';
import type { RunDescriptor, UpdateMessage, UplinkMessage } from '../protocol/messages.js';
import type { CoordinatorLink, Received } from '../protocol/transport.js';
import type { RunDirectory } from '../run-dir.js';
import type {
  ClientKind,
  ClientSummary,
  DetectionSummary,
  RoundMetrics,
  RunSummary,
} from '../run-files.js';
import { type Clock, SYSTEM_CLOCK } from './clock.js';
import { DivergenceGuard } from './divergence-guard.js';
import { detectorWindows, gradipStepsFile } from './gradip-steps.js';
import type { RoundAggregator } from './round-aggregator.js';
import { encodeTrainerCheckpoint, type TrainerState } from './trainer-checkpoint.js';

/** What the coordinator knows about a client (from the partition; the data stays with the client). */
export interface ClientInfo {
  readonly id: string;
  readonly kind: ClientKind;
  readonly numSamples: number;
  readonly labels: Readonly<Record<string, number>>;
}

export interface CoordinatorOptions {
  readonly config: RunConfig;
  readonly link: CoordinatorLink;
  readonly aggregator: RoundAggregator;
  readonly clients: readonly ClientInfo[];
  readonly run: RunDescriptor;
  readonly runDir: RunDirectory;
  /** ḡ_pre at the mask (the mask file's gradMean), for GradIP; null without one. */
  readonly gPre: Float32Array | null;
  /** Held-out accuracy (null for causal-lm), loss and perplexity (causal-lm only) of θ. */
  readonly evaluate: (theta: Float32Array) => Promise<{
    accuracy: number | null;
    loss: number;
    perplexity?: number | null;
    examples: number;
  }>;
  /** Called with θ after every round (e.g. to keep the final θ). */
  readonly onTheta?: (theta: Float32Array) => void;
  readonly layoutFingerprint: string;
  /** State from checkpoint.bin when resuming. */
  readonly resumeFrom?: TrainerState;
  /** Time source of round deadlines (`roundDeadlineSeconds`); default wall time. */
  readonly clock?: Clock;
}

/**
 * The coordinator of the round protocol: owns the aggregator (FederatedServer for ZO), Meerkat-vp's
 * GradIP tracking, detection and early stopping, evaluation, metrics and checkpoints. It talks to
 * clients only through its `CoordinatorLink`, so the same code runs in-process or over a network.
 *
 * Stragglers: without `roundDeadlineSeconds` a round waits for every sampled client. With it, a
 * round closes when every sampled client answered, or at the deadline once `minQuorum` updates
 * arrived; below the quorum it waits as long again (the grace period), closes as soon as the
 * quorum is reached, and otherwise fails with `MEERKAT_QUORUM_NOT_MET` naming the missing clients
 * (the last checkpoint stays, so the run can be resumed). θ is the aggregation of the updates that
 * arrived before the close; an update for a closed round is rejected with reason `late` (an
 * `update-rejected` event, never aggregated). A straggler keeps the round it was last announced,
 * so its next announce carries the replay logs (or θ) it missed.
 */
export class Coordinator {
  private readonly cursors = new Map<string, ClientDataCursor>();
  private readonly clientRound = new Map<string, number>();
  private readonly calibrationSeries = new Map<string, number[]>();
  private policy: EarlyStoppingPolicy | null = null;
  private flagged: string[] = [];
  private detection: DetectionSummary | undefined;
  private totals = { bytesUpPerClient: 0, bytesDownPerClient: 0, forwardPasses: 0 };
  private initialAccuracy: number | null = null;
  /** Causal-lm runs report perplexity (metrics, summary); classification runs do not. */
  private readonly causalLm: boolean;
  private initialPerplexity: number | null = null;
  private initialLoss: number | null = null;
  private lastEvaluation: TrainerState['lastEvaluation'] = null;
  private startedAt = new Date().toISOString();
  private secondsBefore = 0;
  /** A `receive` still waiting after a deadline passed: the next receive continues it. */
  private pending: Promise<Received<UplinkMessage>> | undefined;
  private readonly clock: Clock;
  private readonly divergence: DivergenceGuard | null;

  constructor(private readonly o: CoordinatorOptions) {
    const { config, clients } = o;
    this.clock = o.clock ?? SYSTEM_CLOCK;
    this.causalLm = config.task.kind === 'causal-lm';
    this.divergence = config.divergence.check
      ? new DivergenceGuard({
          method: config.method,
          lr: o.run.lr,
          k: o.run.k,
          factor: config.divergence.factor,
        })
      : null;
    const dataSeed = BigInt(o.run.dataSeed);
    const r = o.resumeFrom;
    for (const c of clients) {
      this.cursors.set(c.id, new ClientDataCursor(c.id, c.numSamples, dataSeed, r?.cursors[c.id]));
    }
    if (METHOD_PRESETS[config.method].detection) {
      this.policy =
        r?.policy !== undefined && r.policy !== null
          ? EarlyStoppingPolicy.fromJSON(
              r.policy as Parameters<typeof EarlyStoppingPolicy.fromJSON>[0],
            )
          : new EarlyStoppingPolicy({
              clients: Object.fromEntries(clients.map((c) => [c.id, c.numSamples])),
              dataSeed,
              calibrationRounds: config.vp.calibrationRounds,
              calibrationSteps: config.vp.calibrationSteps,
              localSteps: config.localSteps,
              flaggedSteps: config.vp.flaggedSteps,
            });
    }
    if (r !== undefined) {
      for (const [id, s] of Object.entries(r.calibrationSeries))
        this.calibrationSeries.set(id, [...s]);
      this.flagged = [...r.flagged];
      this.detection = (r.detection ?? undefined) as DetectionSummary | undefined;
      this.totals = { ...r.totals };
      this.initialAccuracy = r.initialAccuracy;
      this.initialPerplexity = r.initialPerplexity ?? null;
      this.initialLoss = r.initialLoss ?? null;
      this.lastEvaluation = r.lastEvaluation;
      if (r.divergenceReferences !== undefined) this.divergence?.restore(r.divergenceReferences);
      this.startedAt = r.startedAt;
      this.secondsBefore = r.seconds;
    }
  }

  /** Runs the remaining rounds, yielding events; returns the summary. */
  async *run(): AsyncGenerator<TrainerEvent, RunSummary, void> {
    const { config, link, aggregator } = this.o;
    const started = performance.now();
    // Joins: every expected client says which θ round it holds.
    const expected = new Set(this.o.clients.map((c) => c.id));
    while (this.clientRound.size < expected.size) {
      const { message } = (await this.receiveBefore(null))!;
      if (message.type !== 'join' || !expected.has(message.clientId)) {
        throw new MeerkatError(
          'MEERKAT_PROTOCOL',
          `expected a join from a known client, got ${message.type} from ${message.clientId}`,
        );
      }
      // The coordinator assumes the older of what the client says it holds and what it last sent
      // it, so a resumed run sends the same downlink as an uninterrupted one.
      const sent = this.o.resumeFrom?.clientRounds[message.clientId];
      this.clientRound.set(message.clientId, Math.min(message.round, sent ?? message.round));
      aggregator.registerClient(message.clientId);
      await link.send(message.clientId, {
        v: 1,
        type: 'welcome',
        clientId: message.clientId,
        run: this.o.run,
      });
    }
    if (
      aggregator.round === 0 &&
      config.evaluation.initial &&
      this.initialAccuracy === null &&
      this.initialPerplexity === null
    ) {
      const e = { perplexity: null, ...(await this.o.evaluate(aggregator.theta())) };
      this.initialAccuracy = e.accuracy;
      this.initialPerplexity = e.perplexity;
      this.initialLoss = e.loss;
      this.divergence?.startingEvaluation(e.loss);
      yield { type: 'evaluation', round: 0, ...e };
    }
    while (aggregator.round < config.rounds) {
      const r = aggregator.round;
      const roundStart = performance.now();
      const calibrating = this.policy !== null && this.policy.phase === 'calibration';
      const phase = calibrating ? 'calibration' : 'training';
      const steps = new Map(
        this.o.clients.map((c) => [c.id, this.policy?.localSteps(c.id) ?? config.localSteps]),
      );
      const plan = aggregator.openRound(steps);
      const participants = plan.map((a) => a.clientId);
      yield { type: 'round-start', round: r + 1, phase, participants };
      const down = new Map<string, number>();
      for (const a of plan) {
        const cursor = this.cursors.get(a.clientId)!;
        const state = cursor.state();
        for (let t = 0; t < a.steps; t++) cursor.next(config.batchSize);
        const catchUp = aggregator.catchUpFor(this.clientRound.get(a.clientId)!);
        const bytes = await link.send(a.clientId, {
          v: 1,
          type: 'announce',
          round: r,
          clientId: a.clientId,
          steps: a.steps,
          cursor: { epoch: state.epoch, position: state.position },
          catchUp,
        });
        this.clientRound.set(a.clientId, r);
        down.set(a.clientId, bytes);
      }
      const up = new Map<string, number>();
      const updates = new Map<string, UpdateMessage>();
      const seeds = new Map(plan.map((a) => [a.clientId, a.seeds]));
      const gradip: Record<string, number> = {};
      let forwardPasses = 0;
      const deadlineMs =
        config.roundDeadlineSeconds === undefined ? null : config.roundDeadlineSeconds * 1000;
      const openedAt = this.clock.now();
      const quorum = this.quorum(plan.length);
      while (updates.size < plan.length) {
        const limit =
          deadlineMs === null
            ? null
            : openedAt + (updates.size >= quorum ? deadlineMs : 2 * deadlineMs);
        const received = await this.receiveBefore(limit);
        if (received === null) {
          if (updates.size >= quorum) break;
          const missing = participants.filter((id) => !updates.has(id));
          throw new MeerkatError(
            'MEERKAT_QUORUM_NOT_MET',
            `round ${r + 1}: ${updates.size} of ${plan.length} sampled clients answered within ${2 * config.roundDeadlineSeconds!} s (the ${config.roundDeadlineSeconds} s deadline and as long again), the quorum (minQuorum) is ${quorum}; missing: ${missing.join(', ')}`,
          );
        }
        const { message: u, bytes } = received;
        if (
          deadlineMs !== null &&
          u.type === 'update' &&
          u.round < r &&
          this.cursors.has(u.clientId)
        ) {
          yield {
            type: 'update-rejected',
            round: r + 1,
            clientId: u.clientId,
            updateRound: u.round + 1,
            reason: 'late',
          };
          continue;
        }
        if (
          u.type !== 'update' ||
          u.round !== r ||
          !seeds.has(u.clientId) ||
          updates.has(u.clientId)
        ) {
          throw new MeerkatError(
            'MEERKAT_PROTOCOL',
            `expected one round ${r} update from each sampled client, got ${u.type}${u.type === 'update' ? ` for round ${u.round}` : ''} from ${u.clientId}`,
          );
        }
        aggregator.submit(u);
        updates.set(u.clientId, u);
        up.set(u.clientId, bytes);
        forwardPasses += u.forwardPasses;
        const meanAbs = this.trackGradip(u, seeds.get(u.clientId)!, calibrating);
        if (meanAbs !== null) gradip[u.clientId] = meanAbs;
        yield {
          type: 'client-done',
          round: r + 1,
          clientId: u.clientId,
          steps: u.g.length > 0 ? u.g.length / config.directions : (steps.get(u.clientId) ?? 0),
          trainLoss: u.loss.mean,
          bytesUp: bytes,
          bytesDown: down.get(u.clientId)!,
          forwardPasses: u.forwardPasses,
          gradip: meanAbs,
        };
      }
      const stragglers = participants.filter((id) => !updates.has(id));
      if (stragglers.length > 0) {
        yield { type: 'stragglers', round: r + 1, stragglers, answered: updates.size, quorum };
      }
      const { theta, log } = aggregator.closeRound();
      this.o.onTheta?.(theta);
      this.policy?.endRound();
      if (this.policy !== null && calibrating && this.policy.phase !== 'calibration') {
        yield this.detect(r + 1);
      }
      const last = aggregator.round === config.rounds;
      if (last) {
        // The final downlink: every client catches up to the final θ.
        for (const c of this.o.clients) {
          const bytes = await link.send(c.id, {
            v: 1,
            type: 'finish',
            clientId: c.id,
            catchUp: aggregator.catchUpFor(this.clientRound.get(c.id)!),
          });
          this.clientRound.set(c.id, aggregator.round);
          down.set(c.id, (down.get(c.id) ?? 0) + bytes);
        }
      }
      let accuracy: number | null = null;
      let loss: number | null = null;
      let perplexity: number | null = null;
      if (last || (r + 1) % config.evaluation.every === 0) {
        const e = { perplexity: null, ...(await this.o.evaluate(theta)) };
        accuracy = e.accuracy;
        loss = e.loss;
        perplexity = e.perplexity;
        this.lastEvaluation = { accuracy, loss, ...(this.causalLm ? { perplexity } : {}) };
        yield { type: 'evaluation', round: r + 1, ...e };
      }
      const n = participants.length;
      const bytesUpPerClient = sum(up.values()) / n;
      const bytesDownPerClient = sum(down.values()) / n;
      this.totals = {
        bytesUpPerClient: this.totals.bytesUpPerClient + bytesUpPerClient,
        bytesDownPerClient: this.totals.bytesDownPerClient + bytesDownPerClient,
        forwardPasses: this.totals.forwardPasses + forwardPasses,
      };
      const losses = [...updates.values()].map((u) => u.loss.mean);
      const metrics: RoundMetrics = {
        round: r + 1,
        method: config.method,
        phase,
        accuracy,
        loss,
        ...(this.causalLm ? { perplexity } : {}),
        trainLoss: losses.length === 0 ? null : losses.reduce((s, v) => s + v, 0) / losses.length,
        bytesUpPerClient,
        bytesDownPerClient,
        cumulativeBytesPerClient: this.totals.bytesUpPerClient + this.totals.bytesDownPerClient,
        forwardPasses,
        gradip,
        flagged: [...this.flagged],
        participants,
        ...(stragglers.length > 0 ? { stragglers } : {}),
        seconds: (performance.now() - roundStart) / 1000,
      };
      this.o.runDir.appendMetrics(metrics);
      yield { type: 'round-end', metrics, log };
      // A diverged round stops the run before its checkpoint: the last checkpoint is a good θ.
      this.divergence?.check({
        round: r + 1,
        updates: [...updates.values()].map((u) => u.loss),
        skippedSteps: sum([...updates.values()].map((u) => u.skippedSteps)),
        steps: sum(plan.filter((a) => updates.has(a.clientId)).map((a) => a.steps)),
        evaluationLoss: loss,
      });
      const bytes = this.checkpoint(aggregator.round, (performance.now() - started) / 1000);
      yield {
        type: 'checkpoint',
        round: aggregator.round,
        path: this.o.runDir.path('checkpoint'),
        bytes,
      };
    }
    return this.summary((performance.now() - started) / 1000);
  }

  /** Updates a round of `sampled` clients needs to close at its deadline (`minQuorum`). */
  private quorum(sampled: number): number {
    const q = this.o.config.minQuorum;
    if (q === undefined) return sampled;
    return participantCount(sampled, q < 1 ? { fraction: q } : { count: q });
  }

  /**
   * The next uplink message, or null once the clock reaches `limit` (null: no limit). A receive
   * cut short by the limit is kept and continued by the next call, so no message is lost.
   */
  private async receiveBefore(limit: number | null): Promise<Received<UplinkMessage> | null> {
    if (this.pending === undefined) {
      const next = this.o.link.receive();
      next.catch(() => undefined); // awaited below; a transport closed after a failure may reject it
      this.pending = next;
    }
    let received: Received<UplinkMessage> | null;
    if (limit === null) received = await this.pending;
    else {
      const abort = new AbortController();
      const timeout = this.clock.sleep(limit - this.clock.now(), abort.signal).then(() => null);
      try {
        // An update already here wins over a deadline already passed (race takes the first).
        received = await Promise.race([this.pending, timeout]);
      } finally {
        abort.abort();
      }
    }
    if (received !== null) this.pending = undefined;
    return received;
  }

  /** GradIP of an update's steps (from the seeds the coordinator derived and the uploaded g). */
  private trackGradip(
    u: UpdateMessage,
    seeds: readonly bigint[],
    calibrating: boolean,
  ): number | null {
    if (this.o.gPre === null || u.g.length === 0) return null;
    const d = this.o.config.directions;
    const records: StepRecord[] = seeds.map((seed, t) => {
      const gs = u.g.subarray(t * d, (t + 1) * d);
      return d === 1 ? { seed, g: gs[0]! } : { seed, g: mean(gs), gs: Array.from(gs) };
    });
    const series = gradipSeries(records, this.o.gPre, { directions: d });
    if (calibrating) {
      const list = this.calibrationSeries.get(u.clientId) ?? [];
      list.push(...series);
      this.calibrationSeries.set(u.clientId, list);
    }
    return series.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, series.length);
  }

  private detect(round: number): TrainerEvent {
    const { detector } = this.o.config.vp;
    const series = new Map(
      [...this.calibrationSeries].map(([id, s]) => [id, Float64Array.from(s)]),
    );
    const detections: Detection[] = detectExtremeClients(series, {
      ...detectorWindows(this.o.config),
      sigmaRel: detector.sigmaRel,
      tauLater: detector.tauLater,
      tauQuiet: detector.tauQuiet,
      combine: detector.combine,
    });
    // RUN_DIR/gradip.json: the per-step series behind the verdicts (the metrics keep a mean per round).
    this.o.runDir.writeJson(
      'gradip',
      gradipStepsFile({
        config: this.o.config,
        round,
        clients: this.o.clients,
        series,
        detections,
      }),
    );
    this.policy!.applyDetection(detections);
    this.flagged = this.policy!.flaggedClients().slice().sort();
    const truth = new Map(this.o.clients.map((c) => [c.id, c.kind === 'extreme']));
    const flags = new Map(detections.map((d) => [d.clientId, d.flagged]));
    const score = scoreDetection(flags, truth);
    const { truePositives, falsePositives, trueNegatives, falseNegatives } = score.confusion;
    this.detection = {
      truePositives,
      falsePositives,
      trueNegatives,
      falseNegatives,
      precision: Number.isNaN(score.precision) ? null : score.precision,
      recall: Number.isNaN(score.recall) ? null : score.recall,
    };
    const kinds = new Map(this.o.clients.map((c) => [c.id, c.kind]));
    return {
      type: 'detection',
      round,
      clients: detections.map((d) => ({
        clientId: d.clientId,
        flagged: d.flagged,
        truth: kinds.get(d.clientId)!,
        rhoLater: d.features.rhoLater,
        rhoQuiet: d.features.rhoQuiet,
        reason: d.reason,
      })),
      precision: this.detection.precision,
      recall: this.detection.recall,
    };
  }

  private checkpoint(round: number, seconds: number): number {
    const state: TrainerState = {
      version: 1,
      round,
      startedAt: this.startedAt,
      seconds: this.secondsBefore + seconds,
      clientRounds: Object.fromEntries(this.clientRound),
      cursors: Object.fromEntries([...this.cursors].map(([id, c]) => [id, c.state()])),
      policy: this.policy?.toJSON() ?? null,
      calibrationSeries: Object.fromEntries(this.calibrationSeries),
      flagged: this.flagged,
      detection: this.detection ?? null,
      totals: this.totals,
      initialAccuracy: this.initialAccuracy,
      ...(this.causalLm ? { initialPerplexity: this.initialPerplexity } : {}),
      initialLoss: this.initialLoss,
      lastEvaluation: this.lastEvaluation,
      ...(this.divergence === null ? {} : { divergenceReferences: this.divergence.references() }),
      maskFingerprint: this.o.layoutFingerprint,
    };
    const bytes = encodeTrainerCheckpoint(state, this.o.aggregator.checkpoint());
    this.o.runDir.writeCheckpoint(bytes);
    return bytes.length;
  }

  private summary(seconds: number): RunSummary {
    const { config } = this.o;
    const flagged = new Set(this.flagged);
    const clients: ClientSummary[] = this.o.clients.map((c) => ({
      ...c,
      flagged: flagged.has(c.id),
    }));
    return {
      name: config.name ?? config.runDir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'run',
      method: config.method,
      seed: config.seed,
      rounds: config.rounds,
      localSteps: config.localSteps,
      finalAccuracy: this.lastEvaluation?.accuracy ?? null,
      finalLoss: this.lastEvaluation?.loss ?? null,
      initialLoss: this.initialLoss,
      initialAccuracy: this.initialAccuracy,
      ...(this.causalLm
        ? {
            initialPerplexity: this.initialPerplexity,
            finalPerplexity: this.lastEvaluation?.perplexity ?? null,
          }
        : {}),
      totalBytesUpPerClient: this.totals.bytesUpPerClient,
      totalBytesDownPerClient: this.totals.bytesDownPerClient,
      totalForwardPasses: this.totals.forwardPasses,
      trainableParameters: this.o.run.k,
      lr: this.o.run.lr,
      clients,
      ...(this.detection === undefined ? {} : { detection: this.detection }),
      seconds: this.secondsBefore + seconds,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
    };
  }
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function mean(values: Float64Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
