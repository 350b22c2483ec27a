import {
  encodeReplayLog,
  FederatedServer,
  type Participation,
  sampleClients,
} from '@meerkat/fed-aggregate';
import { DEFAULT_DIRECTION_POOL_THRESHOLD, type DirectionPool } from '@meerkat/zo-estimator';
import { MeerkatError } from '../errors.js';
import type { CatchUp, UpdateMessage } from '../protocol/messages.js';

/** One client's assignment in a round. */
export interface Assignment {
  readonly clientId: string;
  readonly steps: number;
  /** ZO: the seeds of its steps (`deriveSeed(runSeed, round, clientId, t)`); empty for SGD. */
  readonly seeds: readonly bigint[];
}

/** The server half of a method: sampling, aggregation, downlink, checkpoint. */
export interface RoundAggregator {
  /** The round the next `openRound` opens (= rounds closed so far). */
  readonly round: number;
  theta(): Float32Array;
  registerClient(id: string): void;
  openRound(steps: ReadonlyMap<string, number>): readonly Assignment[];
  submit(update: UpdateMessage): void;
  /** θ^{r+1}, and the encoded replay log of the round (null for first-order aggregation). */
  closeRound(): Promise<{ theta: Float32Array; log: Uint8Array | null }>;
  /** How a client holding θ of `clientRound` reaches the current θ. */
  catchUpFor(clientRound: number): CatchUp;
  checkpoint(): Uint8Array;
}

/** Options of `ZoAggregator.create` / `fromCheckpoint`. */
export interface ZoAggregatorOptions {
  /** Threads for the aggregation's direction generation (used from k ≥ 65,536). */
  readonly directionPool?: DirectionPool;
}

function poolFor(k: number, options: ZoAggregatorOptions): DirectionPool | undefined {
  return k >= DEFAULT_DIRECTION_POOL_THRESHOLD ? options.directionPool : undefined;
}

/** ZO aggregation: fed-aggregate's FederatedServer (virtual-path replay, replay-log downlink). */
export class ZoAggregator implements RoundAggregator {
  /** Encoded replay logs by round: a catch-up of many clients encodes each log once. */
  private readonly encodedLogs = new Map<number, Uint8Array>();
  /** The pool's buffer for one direction (allocated at the first pooled close). */
  private poolScratch: Float32Array | undefined;

  private constructor(
    private readonly server: FederatedServer,
    private readonly pool: DirectionPool | undefined,
  ) {}

  /**
   * A ZO aggregator at θ⁰. With `directionPool` (and k ≥ `DEFAULT_DIRECTION_POOL_THRESHOLD`) a
   * round's aggregation generates its directions on the pool's threads (the same θ bit for bit);
   * the caller closes the pool.
   */
  static create(
    config: { runSeed: bigint; lr: number; directions: number; participation: Participation },
    theta0: Float32Array,
    options: ZoAggregatorOptions = {},
  ): ZoAggregator {
    return new ZoAggregator(
      new FederatedServer(
        { ...config, distribution: 'gaussian', localSteps: 1, retainLogs: 32 },
        theta0,
      ),
      poolFor(theta0.length, options),
    );
  }

  static fromCheckpoint(bytes: Uint8Array, options: ZoAggregatorOptions = {}): ZoAggregator {
    const server = FederatedServer.fromCheckpoint(bytes);
    return new ZoAggregator(server, poolFor(server.theta.length, options));
  }

  get round(): number {
    return this.server.round;
  }

  theta(): Float32Array {
    return this.server.theta;
  }

  registerClient(id: string): void {
    this.server.registerClient(id);
  }

  openRound(steps: ReadonlyMap<string, number>): readonly Assignment[] {
    for (const [id, n] of steps) this.server.setLocalSteps(id, n);
    return this.server
      .openRound(0)
      .clients.map((c) => ({ clientId: c.clientId, steps: c.steps, seeds: c.seeds }));
  }

  submit(u: UpdateMessage): void {
    const verdict = this.server.submit(
      {
        round: u.round,
        clientId: u.clientId,
        g: u.g,
        numSamples: u.numSamples,
        loss: u.loss,
        skippedSteps: u.skippedSteps,
      },
      0,
    );
    if (verdict.status === 'rejected') {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `update of ${u.clientId} in round ${u.round} rejected: ${verdict.code} (${verdict.reason})`,
      );
    }
  }

  async closeRound(): Promise<{ theta: Float32Array; log: Uint8Array }> {
    const pool = this.pool;
    if (pool === undefined) {
      const { theta, log } = this.server.closeRound();
      return { theta, log: encodeReplayLog(log) };
    }
    this.poolScratch ??= pool.allocate(this.server.theta.length);
    const { theta, log } = await this.server.closeRoundAsync(
      (seed, out, from, options) => pool.fillRange(seed, out, from, options),
      this.poolScratch,
    );
    return { theta, log: encodeReplayLog(log) };
  }

  catchUpFor(clientRound: number): CatchUp {
    const round = this.server.round;
    const plan = this.server.planCatchUp(clientRound);
    if (plan.kind === 'replay') {
      if (plan.rounds.length === 0) return { kind: 'none', round };
      return { kind: 'logs', round, logs: plan.rounds.map((r) => this.encodedLog(r)) };
    }
    return { kind: 'theta', round, theta: this.server.theta };
  }

  checkpoint(): Uint8Array {
    return this.server.checkpoint();
  }

  /** Round r's replay log, encoded once (the server keeps it while it retains the round). */
  private encodedLog(r: number): Uint8Array {
    let bytes = this.encodedLogs.get(r);
    if (bytes === undefined) {
      bytes = encodeReplayLog(this.server.logOf(r)!);
      this.encodedLogs.set(r, bytes);
      const retained = new Set(this.server.retainedLogRounds);
      for (const old of this.encodedLogs.keys()) {
        if (!retained.has(old)) this.encodedLogs.delete(old);
      }
    }
    return bytes;
  }
}

/** Stream of the SGD aggregator's checkpoint ("MKSG" + JSON header + θ). */
const SGD_MAGIC = 0x4753_4b4d;

/**
 * First-order FedAvg on the mask: θ^{r+1} = Σ_c p_c (θ^r + Δ_c), p_c = n_c / Σ n (float64 sums,
 * one float32 rounding). Downlink is θ itself (k float32 values).
 */
export class SgdAggregator implements RoundAggregator {
  private readonly clients: string[] = [];
  private updates = new Map<string, UpdateMessage>();
  private open: readonly Assignment[] | undefined;

  constructor(
    private readonly config: { runSeed: bigint; participation: Participation },
    private thetaValue: Float32Array,
    private roundValue = 0,
  ) {}

  static fromCheckpoint(
    bytes: Uint8Array,
    config: { runSeed: bigint; participation: Participation },
  ): SgdAggregator {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 12 || view.getUint32(0, true) !== SGD_MAGIC) {
      throw new MeerkatError(
        'MEERKAT_CHECKPOINT_INVALID',
        'not a first-order aggregator checkpoint',
      );
    }
    const round = view.getUint32(4, true);
    const k = view.getUint32(8, true);
    if (bytes.length !== 12 + 4 * k)
      throw new MeerkatError(
        'MEERKAT_CHECKPOINT_INVALID',
        'first-order checkpoint has the wrong length',
      );
    const theta = new Float32Array(k);
    new Uint8Array(theta.buffer).set(bytes.subarray(12));
    return new SgdAggregator(config, theta, round);
  }

  get round(): number {
    return this.roundValue;
  }

  theta(): Float32Array {
    return this.thetaValue.slice();
  }

  registerClient(id: string): void {
    if (!this.clients.includes(id)) this.clients.push(id);
  }

  openRound(steps: ReadonlyMap<string, number>): readonly Assignment[] {
    const sampled = sampleClients(
      this.config.runSeed,
      this.roundValue,
      this.clients,
      this.config.participation,
    );
    this.open = sampled.map((clientId) => ({
      clientId,
      steps: steps.get(clientId) ?? 1,
      seeds: [],
    }));
    this.updates = new Map();
    return this.open;
  }

  submit(u: UpdateMessage): void {
    if (this.open === undefined || u.round !== this.roundValue) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `update of ${u.clientId} for round ${u.round}, the open round is ${this.roundValue}`,
      );
    }
    if (!this.open.some((a) => a.clientId === u.clientId))
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `${u.clientId} was not sampled in round ${u.round}`,
      );
    if (u.delta.length !== this.thetaValue.length || !u.delta.every(Number.isFinite)) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `update of ${u.clientId}: delta must be ${this.thetaValue.length} finite values`,
      );
    }
    this.updates.set(u.clientId, u);
  }

  async closeRound(): Promise<{ theta: Float32Array; log: null }> {
    const ids = [...this.updates.keys()].sort();
    const total = ids.reduce((s, id) => s + this.updates.get(id)!.numSamples, 0);
    if (ids.length > 0) {
      const acc = Float64Array.from(this.thetaValue);
      for (const id of ids) {
        const u = this.updates.get(id)!;
        const p = u.numSamples / total;
        for (let i = 0; i < acc.length; i++) acc[i]! += p * u.delta[i]!;
      }
      this.thetaValue = Float32Array.from(acc);
    }
    this.roundValue++;
    this.open = undefined;
    return { theta: this.theta(), log: null };
  }

  catchUpFor(clientRound: number): CatchUp {
    if (clientRound === this.roundValue) return { kind: 'none', round: this.roundValue };
    return { kind: 'theta', round: this.roundValue, theta: this.theta() };
  }

  checkpoint(): Uint8Array {
    const out = new Uint8Array(12 + 4 * this.thetaValue.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, SGD_MAGIC, true);
    view.setUint32(4, this.roundValue, true);
    view.setUint32(8, this.thetaValue.length, true);
    out.set(
      new Uint8Array(
        this.thetaValue.buffer,
        this.thetaValue.byteOffset,
        this.thetaValue.byteLength,
      ),
      12,
    );
    return out;
  }
}
