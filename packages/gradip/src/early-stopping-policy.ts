import { ClientDataCursor, checkDataSeed } from './data-cursor.js';
import type { Detection } from './detector.js';
import { GradipError } from './errors.js';

/**
 * `'calibration'`: rounds 0 .. R_cal−1, everyone runs T_cal steps. `'detection'`: calibration is
 * over and the policy waits for `applyDetection`. `'early-stopping'`: flagged clients run
 * `flaggedSteps` (default 1), the others T.
 */
export type PolicyPhase = 'calibration' | 'detection' | 'early-stopping';

export interface EarlyStoppingPolicyOptions {
  /** Each client's id and its number of local examples. */
  readonly clients: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Seed of the per-client, per-epoch data permutations: a bigint in [0, 2^64). */
  readonly dataSeed: bigint;
  /** R_cal ≥ 1. Default 1. */
  readonly calibrationRounds?: number;
  /** T_cal ≥ 1: local steps per calibration round. Default 150 (DESIGN.md §6). */
  readonly calibrationSteps?: number;
  /** T ≥ 1: local steps per round for unflagged clients. Default 10. */
  readonly localSteps?: number;
  /** Local steps per round for flagged clients. Default 1. */
  readonly flaggedSteps?: number;
}

/** The JSON form of a policy (checkpoints). Seeds travel as decimal strings. */
export interface EarlyStoppingPolicyJSON {
  readonly version: 1;
  readonly dataSeed: string;
  readonly calibrationRounds: number;
  readonly calibrationSteps: number;
  readonly localSteps: number;
  readonly flaggedSteps: number;
  readonly round: number;
  readonly detected: boolean;
  readonly clients: readonly {
    readonly id: string;
    readonly size: number;
    readonly flagged: boolean;
    readonly epoch: number;
    readonly position: number;
  }[];
}

interface ClientState {
  readonly cursor: ClientDataCursor;
  flagged: boolean;
}

function invalid(message: string): GradipError {
  return new GradipError('GRADIP_INVALID_ARGUMENT', message);
}

function checkSteps(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new GradipError(
      'GRADIP_INVALID_ARGUMENT',
      `${name} must be an integer >= 1, got ${value}`,
    );
  }
  return value;
}

/**
 * Meerkat-vp's schedule: a calibration phase of R_cal rounds with T_cal local steps, a detection
 * point, then early stopping (flagged clients take 1 local step per round). Each client also has
 * a data cursor, so all of its data is still visited however few steps it takes.
 */
export class EarlyStoppingPolicy {
  readonly dataSeed: bigint;
  readonly calibrationRounds: number;
  readonly calibrationSteps: number;
  readonly stepsPerRound: number;
  readonly flaggedSteps: number;
  private currentRound = 0;
  private detected = false;
  private readonly byClient = new Map<string, ClientState>();

  constructor(options: EarlyStoppingPolicyOptions) {
    this.dataSeed = checkDataSeed(options.dataSeed);
    this.calibrationRounds = checkSteps('calibrationRounds', options.calibrationRounds ?? 1);
    this.calibrationSteps = checkSteps('calibrationSteps', options.calibrationSteps ?? 150);
    this.stepsPerRound = checkSteps('localSteps', options.localSteps ?? 10);
    this.flaggedSteps = checkSteps('flaggedSteps', options.flaggedSteps ?? 1);
    const entries =
      options.clients instanceof Map
        ? [...options.clients.entries()]
        : Object.entries(options.clients);
    if (entries.length === 0) {
      throw new GradipError('GRADIP_INVALID_ARGUMENT', 'the policy needs at least one client');
    }
    for (const [id, size] of entries) {
      this.byClient.set(id, {
        cursor: new ClientDataCursor(id, size, this.dataSeed),
        flagged: false,
      });
    }
  }

  /** Rounds completed so far (the round now being planned). */
  get round(): number {
    return this.currentRound;
  }

  get phase(): PolicyPhase {
    if (this.currentRound < this.calibrationRounds) return 'calibration';
    return this.detected ? 'early-stopping' : 'detection';
  }

  /** Client ids in construction order. */
  clients(): string[] {
    return [...this.byClient.keys()];
  }

  private client(clientId: string): ClientState {
    const state = this.byClient.get(clientId);
    if (state === undefined) {
      throw new GradipError(
        'GRADIP_UNKNOWN_CLIENT',
        `client '${clientId}' is not part of this policy; pass it in options.clients`,
      );
    }
    return state;
  }

  /** Local steps the client should run this round. */
  localSteps(clientId: string): number {
    const state = this.client(clientId);
    switch (this.phase) {
      case 'calibration':
        return this.calibrationSteps;
      case 'detection':
        throw new GradipError(
          'GRADIP_INVALID_STATE',
          `calibration ended after ${this.calibrationRounds} round(s); run the detector on the calibration GradIP series and call applyDetection first`,
        );
      default:
        return state.flagged ? this.flaggedSteps : this.stepsPerRound;
    }
  }

  /** The next `batchSize` indices into the client's own data (see `ClientDataCursor`). */
  nextBatch(clientId: string, batchSize: number): Uint32Array {
    return this.client(clientId).cursor.next(batchSize);
  }

  /** The client's data cursor position. */
  cursorState(clientId: string): { readonly epoch: number; readonly position: number } {
    return this.client(clientId).cursor.state();
  }

  isFlagged(clientId: string): boolean {
    return this.client(clientId).flagged;
  }

  flaggedClients(): string[] {
    return [...this.byClient].filter(([, s]) => s.flagged).map(([id]) => id);
  }

  /**
   * Records the detector's verdicts (ends the detection phase). The verdicts are a complete set:
   * they replace every flag, and clients without a verdict become (or stay) unflagged, so a
   * re-detection later on drops flags the new verdicts do not repeat. Use `setFlag` to change
   * one client. Not allowed during calibration. An unknown id (`GRADIP_UNKNOWN_CLIENT`), a
   * repeated id or a non-boolean verdict (`GRADIP_INVALID_ARGUMENT`) changes nothing.
   */
  applyDetection(
    verdicts:
      | readonly Detection[]
      | ReadonlyMap<string, boolean>
      | Readonly<Record<string, boolean>>,
  ): void {
    if (this.phase === 'calibration') {
      throw new GradipError(
        'GRADIP_INVALID_STATE',
        `still calibrating (round ${this.currentRound} of ${this.calibrationRounds}); call endRound until calibration is over`,
      );
    }
    const entries: [string, boolean][] = Array.isArray(verdicts)
      ? (verdicts as readonly Detection[]).map((d) => [d.clientId, d.flagged])
      : verdicts instanceof Map
        ? [...verdicts.entries()]
        : Object.entries(verdicts as Readonly<Record<string, boolean>>);
    const verdictById = new Map<string, boolean>();
    for (const [id, flagged] of entries) {
      this.client(id);
      if (typeof flagged !== 'boolean') {
        throw invalid(
          `the verdict for client '${id}' must be true or false, got ${String(flagged)}`,
        );
      }
      if (verdictById.has(id)) {
        throw invalid(`client '${id}' has more than one verdict; pass one verdict per client`);
      }
      verdictById.set(id, flagged);
    }
    for (const [id, state] of this.byClient) state.flagged = verdictById.get(id) ?? false;
    this.detected = true;
  }

  /** Manual override of one client's flag (e.g. an operator decision); other flags stay. */
  setFlag(clientId: string, flagged: boolean): void {
    const state = this.client(clientId);
    if (typeof flagged !== 'boolean') {
      throw invalid(`flagged must be true or false, got ${String(flagged)}`);
    }
    state.flagged = flagged;
  }

  /** Marks the current round as done. Refused while a detection is pending. */
  endRound(): void {
    if (this.phase === 'detection') {
      throw new GradipError(
        'GRADIP_INVALID_STATE',
        'a detection is pending; call applyDetection before ending another round',
      );
    }
    this.currentRound++;
  }

  toJSON(): EarlyStoppingPolicyJSON {
    return {
      version: 1,
      dataSeed: this.dataSeed.toString(),
      calibrationRounds: this.calibrationRounds,
      calibrationSteps: this.calibrationSteps,
      localSteps: this.stepsPerRound,
      flaggedSteps: this.flaggedSteps,
      round: this.currentRound,
      detected: this.detected,
      clients: [...this.byClient].map(([id, s]) => ({
        id,
        size: s.cursor.size,
        flagged: s.flagged,
        ...s.cursor.state(),
      })),
    };
  }

  /**
   * Restores a policy from `toJSON()` output (also after `JSON.parse(JSON.stringify(...))`).
   * Every field is checked; a malformed checkpoint raises `GRADIP_INVALID_ARGUMENT` naming the
   * field, never a silently different policy.
   */
  static fromJSON(json: EarlyStoppingPolicyJSON): EarlyStoppingPolicy {
    if (json === null || typeof json !== 'object' || json.version !== 1) {
      throw invalid('not an EarlyStoppingPolicy checkpoint (expected version 1 from toJSON())');
    }
    const dataSeed = parseSeed(json.dataSeed);
    if (!isCount(json.round)) {
      throw invalid(`round must be an integer >= 0, got ${String(json.round)}`);
    }
    if (typeof json.detected !== 'boolean') {
      throw invalid(`detected must be true or false, got ${String(json.detected)}`);
    }
    if (!Array.isArray(json.clients)) {
      throw invalid('clients must be an array of { id, size, flagged, epoch, position }');
    }
    const seen = new Set<string>();
    json.clients.forEach((c: unknown, i: number) => {
      const at = `clients[${i}]`;
      if (c === null || typeof c !== 'object') throw invalid(`${at} must be an object`);
      const { id, size, flagged, epoch, position } = c as Record<string, unknown>;
      if (typeof id !== 'string' || id.length === 0) {
        throw invalid(`${at}.id must be a non-empty string, got ${String(id)}`);
      }
      if (seen.has(id)) throw invalid(`${at}.id '${id}' appears more than once in clients`);
      seen.add(id);
      if (!(isCount(size) && size >= 1 && size <= 0xffffffff)) {
        throw invalid(`${at}.size must be an integer in [1, 2^32), got ${String(size)}`);
      }
      if (typeof flagged !== 'boolean') {
        throw invalid(`${at}.flagged must be true or false, got ${String(flagged)}`);
      }
      if (!(isCount(epoch) && epoch <= 0xffffffff)) {
        throw invalid(`${at}.epoch must be an integer in [0, 2^32), got ${String(epoch)}`);
      }
      if (!(isCount(position) && position < size)) {
        throw invalid(`${at}.position must be an integer in [0, ${size}), got ${String(position)}`);
      }
    });
    const policy = new EarlyStoppingPolicy({
      clients: new Map(json.clients.map((c) => [c.id, c.size])),
      dataSeed,
      calibrationRounds: json.calibrationRounds,
      calibrationSteps: json.calibrationSteps,
      localSteps: json.localSteps,
      flaggedSteps: json.flaggedSteps,
    });
    if (json.detected && json.round < policy.calibrationRounds) {
      // applyDetection is refused while calibrating, so no policy ever reaches this state.
      throw invalid(
        `detected is true but round ${json.round} < calibrationRounds ${policy.calibrationRounds}: no phase has a detection during calibration`,
      );
    }
    policy.currentRound = json.round;
    policy.detected = json.detected;
    for (const c of json.clients) {
      policy.byClient.set(c.id, {
        cursor: new ClientDataCursor(c.id, c.size, dataSeed, {
          epoch: c.epoch,
          position: c.position,
        }),
        flagged: c.flagged,
      });
    }
    return policy;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** The checkpoint's decimal seed string as a bigint in [0, 2^64). */
function parseSeed(text: unknown): bigint {
  if (typeof text !== 'string' || !/^\d+$/.test(text)) {
    throw invalid(`dataSeed must be a decimal integer string, got ${String(text)}`);
  }
  return checkDataSeed(BigInt(text));
}
