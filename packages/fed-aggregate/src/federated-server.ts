import { type DirectionRangeFill, deriveSeed } from '@meerkat/zo-estimator';
import { buildReplayLog, compareClientIds } from './build-replay-log.js';
import { type CatchUpPlan, planCatchUp } from './catch-up.js';
import { checkServerState } from './check-server-state.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { sampleClients } from './client-sampling.js';
import { type ClientUpdate, type StoredClientUpdate, storeClientUpdate } from './client-update.js';
import { FedAggregateError } from './errors.js';
import { applyReplayLog, applyReplayLogAsync, type ReplayLog } from './replay-log.js';
import { replayLogByteLength } from './replay-log-codec.js';
import {
  type FederatedServerConfig,
  type ResolvedServerConfig,
  resolveServerConfig,
} from './server-config.js';
import type { ClientAssignment, OpenRoundState, ServerState } from './server-state.js';
import { type SubmitResult, validateUpdate } from './validate-update.js';

/** What a sampled client needs to run round r. */
export interface PlannedClient extends ClientAssignment {
  /** `deriveSeed(runSeed, round, clientId, t)` for t = 0 .. steps − 1. */
  readonly seeds: readonly bigint[];
}

/** The plan `openRound` hands out. */
export interface RoundPlan {
  readonly round: number;
  readonly deadline: number;
  readonly clients: readonly PlannedClient[];
}

/** Summary of a closed round. */
export interface RoundStats {
  readonly round: number;
  readonly sampled: readonly string[];
  /** Clients whose updates were aggregated, sorted. */
  readonly accepted: readonly string[];
  /** Sampled clients that sent nothing acceptable, sorted. */
  readonly missing: readonly string[];
  readonly totalSamples: number;
  /** Sample-weighted mean of the reported `loss.mean` values (null if none reported). */
  readonly meanLoss: number | null;
  readonly logEntries: number;
  /** Encoded size of the round's replay log (the dimension-free downlink). */
  readonly logBytes: number;
  /** False when fewer than `minUpdates` updates arrived: θ was left unchanged. */
  readonly applied: boolean;
}

/** What `closeRound` returns: θ^{r+1} and round r's replay log (copies the server does not keep), and statistics. */
export interface RoundResult {
  readonly theta: Float32Array;
  readonly log: ReplayLog;
  readonly stats: RoundStats;
}

interface MutableOpenRound {
  round: number;
  openedAt: number;
  deadline: number;
  assignments: ClientAssignment[];
  expectedSteps: Map<string, number>;
  received: Map<string, StoredClientUpdate>;
}

function checkClientId(clientId: string): void {
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new FedAggregateError('FED_INVALID_ARGUMENT', 'a client id must be a non-empty string');
  }
}

function checkTime(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new FedAggregateError(
      'FED_INVALID_ARGUMENT',
      `${name} must be a finite number, got ${value}`,
    );
  }
}

/**
 * The federated round state machine — no transport, no clock of its own (pass `now`).
 * register clients → `openRound(now)` → `submit(update, now)` … → `closeRound()` → repeat.
 */
export class FederatedServer {
  readonly config: ResolvedServerConfig;
  private thetaValues: Float32Array;
  private readonly scratch: Float32Array;
  private roundNumber: number;
  private readonly clients = new Set<string>();
  private readonly overrides = new Map<string, number>();
  private current: MutableOpenRound | null = null;
  private logs: ReplayLog[] = [];

  /** Starts a run at round 0 from a copy of `theta` (θ^0). */
  constructor(config: FederatedServerConfig, theta: Float32Array) {
    this.config = resolveServerConfig(config);
    if (!(theta instanceof Float32Array)) {
      throw new FedAggregateError('FED_INVALID_ARGUMENT', 'theta must be a Float32Array');
    }
    this.thetaValues = Float32Array.from(theta);
    this.scratch = new Float32Array(theta.length);
    this.roundNumber = 0;
  }

  /**
   * Rebuilds a server from a state snapshot (deep-copied). The state must pass
   * `checkServerState` (same round in `current`, stored updates that `submit` would accept,
   * consecutive retained logs ending at round − 1, finite θ, …), else `FED_INVALID_ARGUMENT`
   * with nothing built.
   */
  static fromState(state: ServerState): FederatedServer {
    checkServerState(state);
    const server = new FederatedServer(state.config, state.theta);
    server.roundNumber = state.round;
    for (const id of state.clients) server.registerClient(id);
    for (const [id, steps] of state.localStepOverrides) server.setLocalSteps(id, steps);
    server.logs = state.logs.map(copyLog);
    const c = state.current;
    if (c !== null) {
      server.current = {
        round: c.round,
        openedAt: c.openedAt,
        deadline: c.deadline,
        assignments: c.assignments.map((a) => ({ ...a })),
        expectedSteps: new Map(c.assignments.map((a) => [a.clientId, a.steps])),
        received: new Map(c.updates.map((u) => [u.clientId, storeClientUpdate(u)])),
      };
    }
    return server;
  }

  /** Restores a server from `checkpoint()` bytes. */
  static fromCheckpoint(bytes: Uint8Array): FederatedServer {
    return FederatedServer.fromState(decodeCheckpoint(bytes));
  }

  /** θ is θ^round. */
  get round(): number {
    return this.roundNumber;
  }

  /** A copy of the current θ. */
  get theta(): Float32Array {
    return Float32Array.from(this.thetaValues);
  }

  get registeredClients(): readonly string[] {
    return [...this.clients].sort(compareClientIds);
  }

  /** Whether a round is open for submissions. */
  get isRoundOpen(): boolean {
    return this.current !== null;
  }

  /** Registers a client for future rounds; returns false if it was already registered. */
  registerClient(clientId: string): boolean {
    checkClientId(clientId);
    if (this.clients.has(clientId)) return false;
    this.clients.add(clientId);
    return true;
  }

  /**
   * Sets a registered client's local steps for rounds opened from now on (`undefined` → the
   * default). An unregistered id is `FED_INVALID_ARGUMENT`: register the client first.
   */
  setLocalSteps(clientId: string, steps: number | undefined): void {
    checkClientId(clientId);
    if (!this.clients.has(clientId)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `client ${clientId} is not registered; call registerClient() before setLocalSteps()`,
      );
    }
    if (steps === undefined) {
      this.overrides.delete(clientId);
      return;
    }
    if (!(Number.isInteger(steps) && steps >= 1 && steps <= 0xffffffff)) {
      throw new FedAggregateError(
        'FED_INVALID_ARGUMENT',
        `steps must be an integer >= 1, got ${steps}`,
      );
    }
    this.overrides.set(clientId, steps);
  }

  /** Opens round `round`: samples clients (seeded on runSeed and round) and fixes the deadline. */
  openRound(now: number): RoundPlan {
    checkTime('now', now);
    if (this.current !== null) {
      throw new FedAggregateError(
        'FED_INVALID_STATE',
        `round ${this.current.round} is still open; call closeRound() first`,
      );
    }
    if (this.clients.size === 0) {
      throw new FedAggregateError(
        'FED_INVALID_STATE',
        'no clients are registered; call registerClient() first',
      );
    }
    const round = this.roundNumber;
    const sampled = sampleClients(
      this.config.runSeed,
      round,
      [...this.clients],
      this.config.participation,
    );
    const assignments = sampled.map((clientId) => ({
      clientId,
      steps: this.overrides.get(clientId) ?? this.config.localSteps,
    }));
    this.current = {
      round,
      openedAt: now,
      deadline: now + this.config.roundDurationMs,
      assignments,
      expectedSteps: new Map(assignments.map((a) => [a.clientId, a.steps])),
      received: new Map(),
    };
    return this.plan(this.current);
  }

  /** The open round's plan, or null. */
  get currentPlan(): RoundPlan | null {
    return this.current === null ? null : this.plan(this.current);
  }

  private plan(c: MutableOpenRound): RoundPlan {
    const { runSeed } = this.config;
    return {
      round: c.round,
      deadline: c.deadline,
      clients: c.assignments.map((a) => ({
        ...a,
        seeds: Array.from({ length: a.steps }, (_, t) =>
          deriveSeed(runSeed, c.round, a.clientId, t),
        ),
      })),
    };
  }

  /** Validates and (if accepted) stores one update. Never changes state unless it returns 'accepted'. */
  submit(update: ClientUpdate, now: number): SubmitResult {
    checkTime('now', now);
    const c = this.current;
    const result = validateUpdate(
      update,
      {
        round: c?.round ?? this.roundNumber,
        open: c !== null,
        deadline: c?.deadline ?? Number.NEGATIVE_INFINITY,
        registered: this.clients,
        expectedSteps: c?.expectedSteps ?? new Map(),
        received: c?.received ?? new Map(),
        gMax: this.config.gMax,
        directions: this.config.directions,
      },
      now,
    );
    if (result.status === 'accepted' && c !== null) {
      c.received.set(update.clientId, storeClientUpdate(update));
    }
    return result;
  }

  /**
   * Closes the open round: builds its replay log from the accepted updates (weights p_c = n_c/Σn),
   * applies it to θ with `applyReplayLog`, retains the log and advances the round. With fewer
   * than `minUpdates` accepted updates θ is left unchanged and the log is empty.
   */
  closeRound(): RoundResult {
    const closing = this.roundToClose();
    applyReplayLog(this.thetaValues, closing.log, this.scratch);
    return this.finishRound(closing);
  }

  /**
   * `closeRound` with the directions generated by an asynchronous range filler (a
   * `DirectionPool`'s `fillRange`, `scratch` from its `allocate`): the same θ bit for bit, the
   * draws shared by the pool's threads. θ changes only once the whole log is applied (to a copy
   * first), so a filler that fails leaves the server as it was, the round still open.
   */
  async closeRoundAsync(
    fillRange: DirectionRangeFill,
    scratch: Float32Array,
  ): Promise<RoundResult> {
    const closing = this.roundToClose();
    const next = Float32Array.from(this.thetaValues);
    await applyReplayLogAsync(next, closing.log, fillRange, scratch);
    if (this.current !== closing.round) {
      throw new FedAggregateError(
        'FED_INVALID_STATE',
        'the round changed while it was being closed',
      );
    }
    this.thetaValues.set(next);
    return this.finishRound(closing);
  }

  /** The open round and its replay log, built from the accepted updates. */
  private roundToClose(): {
    round: MutableOpenRound;
    updates: StoredClientUpdate[];
    applied: boolean;
    log: ReplayLog;
  } {
    const c = this.current;
    if (c === null) {
      throw new FedAggregateError(
        'FED_INVALID_STATE',
        'no round is open; call openRound(now) first',
      );
    }
    const updates = [...c.received.values()];
    const applied = updates.length >= this.config.minUpdates;
    const { runSeed, lr, directions, distribution } = this.config;
    const log = buildReplayLog(applied ? updates : [], {
      runSeed,
      round: c.round,
      lr,
      directions,
      distribution,
    });
    return { round: c, updates, applied, log };
  }

  /** Retains the applied round's log, advances the round, and says what the round was. */
  private finishRound(closing: ReturnType<FederatedServer['roundToClose']>): RoundResult {
    const { round: c, updates, applied, log } = closing;
    this.logs.push(log);
    while (this.logs.length > this.config.retainLogs) this.logs.shift();
    this.current = null;
    this.roundNumber = c.round + 1;

    const sampled = c.assignments.map((a) => a.clientId);
    const accepted = updates.map((u) => u.clientId).sort(compareClientIds);
    const acceptedSet = new Set(accepted);
    let totalSamples = 0;
    let lossWeight = 0;
    let lossSum = 0;
    for (const u of updates) {
      totalSamples += u.numSamples;
      if (u.loss !== undefined) {
        lossSum += u.numSamples * u.loss.mean;
        lossWeight += u.numSamples;
      }
    }
    return {
      theta: this.theta,
      log: copyLog(log),
      stats: {
        round: c.round,
        sampled,
        accepted,
        missing: sampled.filter((id) => !acceptedSet.has(id)),
        totalSamples,
        meanLoss: lossWeight > 0 ? lossSum / lossWeight : null,
        logEntries: log.seeds.length,
        logBytes: replayLogByteLength(log.seeds.length, log.directions),
        applied,
      },
    };
  }

  /** Rounds whose logs are retained, ascending. */
  get retainedLogRounds(): number[] {
    return this.logs.map((l) => l.round);
  }

  /** A copy of the retained log of round `round` (changing it does not change the server), or undefined. */
  logOf(round: number): ReplayLog | undefined {
    const log = this.logs.find((l) => l.round === round);
    return log === undefined ? undefined : copyLog(log);
  }

  /** How a client at θ^{clientRound} catches up: replay these logs, or fetch a checkpoint. */
  planCatchUp(clientRound: number): CatchUpPlan {
    return planCatchUp(
      clientRound,
      this.roundNumber,
      this.retainedLogRounds,
      this.config.maxLogGap,
    );
  }

  /** A deep copy of the whole state. */
  snapshot(): ServerState {
    const c = this.current;
    const current: OpenRoundState | null =
      c === null
        ? null
        : {
            round: c.round,
            openedAt: c.openedAt,
            deadline: c.deadline,
            assignments: c.assignments.map((a) => ({ ...a })),
            updates: [...c.received.values()].map(storeClientUpdate),
          };
    return {
      config: this.config,
      round: this.roundNumber,
      theta: this.theta,
      clients: this.registeredClients,
      localStepOverrides: [...this.overrides.entries()].sort((a, b) =>
        compareClientIds(a[0], b[0]),
      ),
      current,
      logs: this.logs.map(copyLog),
    };
  }

  /** The whole state as checkpoint bytes (see `encodeCheckpoint`). */
  checkpoint(): Uint8Array {
    return encodeCheckpoint(this.snapshot());
  }
}

function copyLog(log: ReplayLog): ReplayLog {
  return { ...log, seeds: log.seeds.slice(), g: log.g.slice(), p: log.p.slice() };
}
