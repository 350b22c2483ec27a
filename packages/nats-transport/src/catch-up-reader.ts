import { encodeReplayLog } from '@meerkat/fed-aggregate';
import {
  type CatchUp,
  type CatchUpSourceV2,
  decodeRoundLogV2,
  decodeThetaV2,
  expandRoundLogV2,
  MeerkatError,
  type RosterEntry,
  type RoundLogV2,
  type RunDescriptor,
} from '@meerkat/trainer';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  broadcastReader,
  lastOnBroadcast,
  ROSTER_BLOCK_ENTRIES,
  readRosterBlocks,
} from './broadcast-reads.js';
import { retryDuringFailover } from './failover-retry.js';
import type { RunSubjects } from './subjects.js';

/** Round logs fetched at once with direct gets (more are read in batches of this many). */
const PARALLEL_GETS = 32;

/**
 * The client's side of the v2 downlink: fetches what an announce's catch-up source points to —
 * the round logs on the broadcast stream (v2 frames, expanded with the run's roster into the
 * replay logs the client's replica applies) or a θ snapshot from the object store (a v2 θ frame,
 * CRC-checked) — and gives the catch-up as the v1 announce carried it. It keeps the roster it has
 * read and reads only newer roster frames when a log names a client it does not know.
 */
export class CatchUpReader {
  private readonly roster: RosterEntry[] = [];
  private objects: Promise<ObjectStore> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: RunSubjects,
  ) {}

  /** The catch-up to θ of `round` the source points to, and the bytes fetched for it. */
  async fetch(
    run: RunDescriptor,
    round: number,
    source: CatchUpSourceV2,
  ): Promise<{ catchUp: CatchUp; bytes: number }> {
    if (source.kind === 'none') return { catchUp: { kind: 'none', round }, bytes: 0 };
    if (source.kind === 'theta') {
      const { theta, bytes } = await this.theta(run, round);
      return { catchUp: { kind: 'theta', round, theta }, bytes };
    }
    const { logs, bytes } = await this.logs(run, source.from, round);
    return { catchUp: { kind: 'logs', round, logs }, bytes };
  }

  /** Replay logs (fed-aggregate v1 encoding) of rounds `from` … `to − 1`, and their v2 bytes. */
  async logs(
    run: RunDescriptor,
    from: number,
    to: number,
  ): Promise<{ logs: Uint8Array[]; bytes: number }> {
    const jsm = await broadcastReader(this.nc);
    const frames: Uint8Array[] = [];
    for (let start = from; start < to; start += PARALLEL_GETS) {
      const rounds = Array.from(
        { length: Math.min(PARALLEL_GETS, to - start) },
        (_, i) => start + i,
      );
      const got = await Promise.all(
        rounds.map((r) => lastOnBroadcast(jsm, this.subjects, this.subjects.roundLog(r))),
      );
      got.forEach((m, i) => {
        if (m === null) {
          throw new MeerkatError(
            'MEERKAT_PROTOCOL',
            `The broadcast stream of run ${this.subjects.run} has no round log of round ${rounds[i]}.`,
          );
        }
        frames.push(new Uint8Array(m.data));
      });
    }
    const decoded = frames.map((f, i) => this.decodeLog(f, from + i));
    const bytes = frames.reduce((s, f) => s + f.length, 0);
    return { logs: await this.expand(run, decoded), bytes };
  }

  /** Every round log published so far (rounds 0 … R − 1), as replay logs: a (re)starting client. */
  async allLogs(run: RunDescriptor): Promise<Uint8Array[]> {
    const jsm = await broadcastReader(this.nc);
    const logs: RoundLogV2[] = [];
    for (let r = 0; ; r++) {
      const m = await lastOnBroadcast(jsm, this.subjects, this.subjects.roundLog(r));
      if (m === null) break;
      logs.push(this.decodeLog(m.data, r));
    }
    return this.expand(run, logs);
  }

  /** A round-log frame (CRC-checked) that must be of `round`. */
  private decodeLog(frame: Uint8Array, round: number): RoundLogV2 {
    const log = decodeRoundLogV2(frame);
    if (log.round !== round) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `The round log on ${this.subjects.roundLog(round)} is of round ${log.round}.`,
      );
    }
    return log;
  }

  /**
   * θ of `round`: a v2 θ frame (CRC-32) of the run's k values, from the broadcast stream (one
   * direct get) or, when it was too large for a message, from the object store.
   */
  async theta(run: RunDescriptor, round: number): Promise<{ theta: Float32Array; bytes: number }> {
    const jsm = await broadcastReader(this.nc);
    const message = await lastOnBroadcast(jsm, this.subjects, this.subjects.thetaSnapshot(round));
    const name = this.subjects.thetaObject(round);
    const frame =
      message !== null
        ? new Uint8Array(message.data)
        : await retryDuringFailover(async () => {
            this.objects ??= new Objm(this.nc).open(this.subjects.objectBucket);
            try {
              return await (await this.objects).getBlob(name);
            } catch (e) {
              this.objects = null; // opened again on the next try
              throw e;
            }
          });
    if (frame === null) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `Run ${this.subjects.run} has no θ snapshot of round ${round} (neither ${this.subjects.thetaSnapshot(round)} on the broadcast stream nor ${name} in the object store).`,
      );
    }
    const snapshot = decodeThetaV2(frame);
    if (snapshot.round !== round || snapshot.theta.length !== run.k) {
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `θ snapshot of round ${round} holds round ${snapshot.round} with ${snapshot.theta.length} values; expected k = ${run.k}.`,
      );
    }
    return { theta: snapshot.theta, bytes: frame.length };
  }

  /** v2 logs → replay logs, reading newer roster frames first when a log needs them. */
  private async expand(run: RunDescriptor, logs: readonly RoundLogV2[]): Promise<Uint8Array[]> {
    let needed = 0;
    for (const log of logs)
      for (const p of log.participants) needed = Math.max(needed, p.client + 1);
    if (needed > this.roster.length) await this.readRoster(needed);
    const context = {
      runSeed: BigInt(run.runSeed),
      lr: run.lr,
      directions: run.directions,
      distribution: run.distribution,
      clients: this.roster,
    };
    return logs.map((log) => encodeReplayLog(expandRoundLogV2(log, context)));
  }

  private async readRoster(needed: number): Promise<void> {
    const jsm = await broadcastReader(this.nc);
    const block = Math.floor(this.roster.length / ROSTER_BLOCK_ENTRIES);
    for (const frame of await readRosterBlocks(jsm, this.subjects, block, needed)) {
      frame.clients.forEach((c, i) => {
        if (frame.from + i === this.roster.length) this.roster.push(c);
      });
    }
  }
}
