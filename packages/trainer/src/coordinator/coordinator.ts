import { participantCount } from '@meerkat/fed-aggregate';
import { ClientDataCursor } from '@meerkat/gradip';
import type { RunConfig } from '../config/parse-run-config.js';
import { MeerkatError } from '../errors.js';
import type { CheckpointEvent, DetectionEvent, TrainerEvent } from '../events.js';
import type { CatchUp, RunDescriptor, UpdateMessage, UplinkMessage } from '../protocol/messages.js';
import type { CatchUpCounts, CoordinatorLink, Received } from '../protocol/transport.js';
import type { ClientKind, ClientSummary, RoundMetrics, RunSummary } from '../run-files.js';
import { type Clock, SYSTEM_CLOCK } from './clock.js';
import { DivergenceGuard } from './divergence-guard.js';
import type { Assignment, RoundAggregator } from './round-aggregator.js';
import type { PolicyDetection, RoundPolicy } from './round-policy.js';
import type { TrainerState } from './trainer-checkpoint.js';

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
  /** The method's per-round decisions (local steps, GradIP, detection, early stopping). */
  readonly policy: RoundPolicy;
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

/** The detector's verdicts, once Meerkat-vp's calibration ends (not yet scored against any truth). */
export interface DetectionVerdictsEvent {
  readonly type: 'detection-verdicts';
  readonly round: number;
  readonly detection: PolicyDetection;
}

/** A round closed cleanly: its checkpoint state, for whoever keeps checkpoints to store. */
export interface CheckpointDueEvent {
  readonly type: 'checkpoint-due';
  readonly round: number;
  /** The coordinator's state; `detection` is left null for the recorder that scores detections. */
  readonly state: TrainerState;
  readonly aggregator: Uint8Array;
}

/** What a round's collection of updates gathered. */
interface CollectedUpdates {
  readonly updates: Map<string, UpdateMessage>;
  /** Uplink bytes per client. */
  readonly up: Map<string, number>;
  /** Mean |GradIP| per client, where the policy tracks it. */
  readonly gradip: Record<string, number>;
  forwardPasses: number;
  /** Updates the round needs to close at its deadline. */
  readonly quorum: number;
}

/** What the coordinator's loop reports: facts of the rounds; recording them is the caller's job. */
export type CoordinatorEvent =
  | Exclude<TrainerEvent, DetectionEvent | CheckpointEvent | { type: 'setup' } | { type: 'done' }>
  | DetectionVerdictsEvent
  | CheckpointDueEvent;

/**
 * The coordinator of the round protocol: joins, announces, deadlines, validation, aggregation
 * and evaluation, the same for every method. What differs between methods (local steps, GradIP,
 * detection, early stopping) it asks its `RoundPolicy`; what it finds it yields as events, and
 * the run's recorder writes metrics, checkpoints and scores detections. It talks to clients only
 * through its `CoordinatorLink`, so the same code runs in-process or over a network.
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
    if (r !== undefined) {
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
  async *run(): AsyncGenerator<CoordinatorEvent, RunSummary, void> {
    const started = performance.now();
    await this.acceptJoins();
    yield* this.initialEvaluation();
    while (this.o.aggregator.round < this.o.config.rounds) yield* this.round(started);
    return this.summary((performance.now() - started) / 1000);
  }

  /** Joins: every expected client says which θ round it holds, and is welcomed with the run. */
  private async acceptJoins(): Promise<void> {
    const { link, aggregator } = this.o;
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
  }

  /** Round 0's evaluation of the initial θ (once per run, also across resumes). */
  private async *initialEvaluation(): AsyncGenerator<CoordinatorEvent, void, void> {
    const { config, aggregator } = this.o;
    if (
      aggregator.round !== 0 ||
      !config.evaluation.initial ||
      this.initialAccuracy !== null ||
      this.initialPerplexity !== null
    ) {
      return;
    }
    const e = { perplexity: null, ...(await this.o.evaluate(aggregator.theta())) };
    this.initialAccuracy = e.accuracy;
    this.initialPerplexity = e.perplexity;
    this.initialLoss = e.loss;
    this.divergence?.startingEvaluation(e.loss);
    yield { type: 'evaluation', round: 0, ...e };
  }

  /** One round: announce, collect, close, evaluate, report, check, checkpoint. */
  private async *round(started: number): AsyncGenerator<CoordinatorEvent, void, void> {
    const { config, aggregator, policy } = this.o;
    const r = aggregator.round;
    const roundStart = performance.now();
    const phase = policy.phase;
    const steps = new Map(this.o.clients.map((c) => [c.id, policy.localSteps(c.id)]));
    const plan = aggregator.openRound(steps);
    const participants = plan.map((a) => a.clientId);
    yield { type: 'round-start', round: r + 1, phase, participants };
    const down = await this.announce(r, plan);
    const collected = yield* this.collectUpdates(r, plan, steps, down);
    const { updates, up } = collected;
    const stragglers = participants.filter((id) => !updates.has(id));
    if (stragglers.length > 0) {
      const { quorum } = collected;
      yield { type: 'stragglers', round: r + 1, stragglers, answered: updates.size, quorum };
    }
    const { theta, log } = await aggregator.closeRound();
    this.o.onTheta?.(theta);
    const detection = policy.onRoundClosed();
    if (detection !== null) yield { type: 'detection-verdicts', round: r + 1, detection };
    const last = aggregator.round === config.rounds;
    if (last) await this.finish(down);
    const evaluation = yield* this.evaluateRound(r, theta, last);
    const n = participants.length;
    const bytesUpPerClient = sum(up.values()) / n;
    const bytesDownPerClient = sum(down.values()) / n;
    this.totals = {
      bytesUpPerClient: this.totals.bytesUpPerClient + bytesUpPerClient,
      bytesDownPerClient: this.totals.bytesDownPerClient + bytesDownPerClient,
      forwardPasses: this.totals.forwardPasses + collected.forwardPasses,
    };
    const losses = [...updates.values()].map((u) => u.loss.mean);
    const metrics: RoundMetrics = {
      round: r + 1,
      method: config.method,
      phase,
      ...evaluation,
      trainLoss: losses.length === 0 ? null : losses.reduce((s, v) => s + v, 0) / losses.length,
      bytesUpPerClient,
      bytesDownPerClient,
      cumulativeBytesPerClient: this.totals.bytesUpPerClient + this.totals.bytesDownPerClient,
      forwardPasses: collected.forwardPasses,
      gradip: collected.gradip,
      flagged: [...policy.flagged],
      participants,
      ...(stragglers.length > 0 ? { stragglers } : {}),
      catchUp: this.takeCatchUps(),
      seconds: (performance.now() - roundStart) / 1000,
    };
    yield { type: 'round-end', metrics, log };
    // A diverged round stops the run before its checkpoint: the last checkpoint is a good θ.
    this.divergence?.check({
      round: r + 1,
      updates: [...updates.values()].map((u) => u.loss),
      skippedSteps: sum([...updates.values()].map((u) => u.skippedSteps)),
      steps: sum(plan.filter((a) => updates.has(a.clientId)).map((a) => a.steps)),
      evaluationLoss: evaluation.loss,
    });
    yield {
      type: 'checkpoint-due',
      round: aggregator.round,
      state: this.checkpointState(aggregator.round, (performance.now() - started) / 1000),
      aggregator: aggregator.checkpoint(),
    };
  }

  /** Catch-ups sent since the round's metrics took them (when the link does not count them). */
  private catchUps: CatchUpCounts = { none: 0, logs: 0, theta: 0, bytes: 0 };

  private countCatchUp(c: CatchUp): void {
    const kind = c.kind === 'logs' && c.logs.length === 0 ? 'none' : c.kind;
    this.catchUps[kind]++;
  }

  /** The round's catch-up counts: the link's when it keeps them (it may choose θ over logs). */
  private takeCatchUps(): CatchUpCounts {
    const own = this.catchUps;
    this.catchUps = { none: 0, logs: 0, theta: 0, bytes: 0 };
    return this.o.link.takeCatchUpCounts?.() ?? own;
  }

  /** Announces round `r` to its participants (steps, data cursor, catch-up); bytes sent per client. */
  private async announce(r: number, plan: readonly Assignment[]): Promise<Map<string, number>> {
    const { config, link, aggregator } = this.o;
    const down = new Map<string, number>();
    for (const a of plan) {
      const cursor = this.cursors.get(a.clientId)!;
      const state = cursor.state();
      for (let t = 0; t < a.steps; t++) cursor.next(config.batchSize);
      const catchUp = aggregator.catchUpFor(this.clientRound.get(a.clientId)!);
      this.countCatchUp(catchUp);
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
    return down;
  }

  /**
   * Receives round `r`'s updates until every participant answered, or, with a deadline, until it
   * passes with the quorum reached (late updates of earlier rounds are rejected, not aggregated).
   */
  private async *collectUpdates(
    r: number,
    plan: readonly Assignment[],
    steps: ReadonlyMap<string, number>,
    down: ReadonlyMap<string, number>,
  ): AsyncGenerator<CoordinatorEvent, CollectedUpdates, void> {
    const { config, aggregator, policy } = this.o;
    const participants = plan.map((a) => a.clientId);
    const collected: CollectedUpdates = {
      updates: new Map(),
      up: new Map(),
      gradip: {},
      forwardPasses: 0,
      quorum: this.quorum(plan.length),
    };
    const { updates, quorum } = collected;
    const seeds = new Map(plan.map((a) => [a.clientId, a.seeds]));
    const deadlineMs =
      config.roundDeadlineSeconds === undefined ? null : config.roundDeadlineSeconds * 1000;
    const openedAt = this.clock.now();
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
      collected.up.set(u.clientId, bytes);
      collected.forwardPasses += u.forwardPasses;
      const meanAbs = policy.onUpdate(u, seeds.get(u.clientId)!);
      if (meanAbs !== null) collected.gradip[u.clientId] = meanAbs;
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
    return collected;
  }

  /** The final downlink: every client catches up to the final θ (bytes added to `down`). */
  private async finish(down: Map<string, number>): Promise<void> {
    const { link, aggregator } = this.o;
    for (const c of this.o.clients) {
      const catchUp = aggregator.catchUpFor(this.clientRound.get(c.id)!);
      this.countCatchUp(catchUp);
      const bytes = await link.send(c.id, { v: 1, type: 'finish', clientId: c.id, catchUp });
      this.clientRound.set(c.id, aggregator.round);
      down.set(c.id, (down.get(c.id) ?? 0) + bytes);
    }
  }

  /** Round `r`'s evaluation when it is due (every `evaluation.every` rounds and the last). */
  private async *evaluateRound(
    r: number,
    theta: Float32Array,
    last: boolean,
  ): AsyncGenerator<
    CoordinatorEvent,
    Pick<RoundMetrics, 'accuracy' | 'loss' | 'perplexity'>,
    void
  > {
    const none = { accuracy: null, loss: null, ...(this.causalLm ? { perplexity: null } : {}) };
    if (!last && (r + 1) % this.o.config.evaluation.every !== 0) return none;
    const e = { perplexity: null, ...(await this.o.evaluate(theta)) };
    const { accuracy, loss, perplexity } = e;
    this.lastEvaluation = { accuracy, loss, ...(this.causalLm ? { perplexity } : {}) };
    yield { type: 'evaluation', round: r + 1, ...e };
    return { accuracy, loss, ...(this.causalLm ? { perplexity } : {}) };
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

  private checkpointState(round: number, seconds: number): TrainerState {
    const state: TrainerState = {
      version: 1,
      round,
      startedAt: this.startedAt,
      seconds: this.secondsBefore + seconds,
      clientRounds: Object.fromEntries(this.clientRound),
      cursors: Object.fromEntries([...this.cursors].map(([id, c]) => [id, c.state()])),
      ...this.o.policy.state(),
      detection: null,
      totals: this.totals,
      initialAccuracy: this.initialAccuracy,
      ...(this.causalLm ? { initialPerplexity: this.initialPerplexity } : {}),
      initialLoss: this.initialLoss,
      lastEvaluation: this.lastEvaluation,
      ...(this.divergence === null ? {} : { divergenceReferences: this.divergence.references() }),
      maskFingerprint: this.o.layoutFingerprint,
    };
    return state;
  }

  private summary(seconds: number): RunSummary {
    const { config } = this.o;
    const flagged = new Set(this.o.policy.flagged);
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
