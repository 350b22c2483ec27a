import { decodeReplayLog } from '@meerkat/fed-aggregate';
import {
  type CatchUp,
  type CatchUpCosts,
  type CatchUpCounts,
  type CatchUpSourceV2,
  chooseCatchUp,
  DEFAULT_CATCH_UP_COSTS,
  encodeRosterV2,
  encodeRoundLogV2,
  encodeThetaV2,
  MeerkatError,
  type RosterEntry,
  type RunDescriptor,
  roundLogV2FromReplayLog,
} from '@meerkat/trainer';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { broadcastReader, ROSTER_BLOCK_ENTRIES, readRosterBlocks } from './broadcast-reads.js';
import { ADMIN_TIMEOUT_MS, retryDuringFailover } from './failover-retry.js';
import type { JsonLogger } from './json-logger.js';
import { isMissingBucketError } from './manifest-store.js';
import { MASK_CHUNK_BYTES } from './mask-object.js';
import type { RunSubjects } from './subjects.js';

/** θ snapshots kept: the newest two (a straggler may still read the older). */
const SNAPSHOTS_KEPT = 2;
/** Bytes left under the server's max payload for a snapshot message's headers. */
const SNAPSHOT_HEADROOM = 4096;

export interface DownlinkPublisherOptions {
  readonly nc: NatsConnection;
  readonly subjects: RunSubjects;
  readonly logger: JsonLogger;
  /** The catch-up rule's costs (default `DEFAULT_CATCH_UP_COSTS`). */
  readonly costs?: CatchUpCosts;
  /**
   * θ after the last closed round (the coordinator's), for snapshots of ZO runs; without it a ZO
   * client always replays logs (a first-order catch-up carries θ itself).
   */
  readonly thetaOf?: () => Float32Array | undefined;
  /** Replicas of the object store when the publisher creates it (default 1). */
  readonly replicas?: number;
}

/**
 * The coordinator's side of the v2 downlink: what a client that is behind needs is stored once,
 * for everyone, instead of travelling in each client's announce.
 *
 *   - round logs: v2 frames on `bcast.log.<round>` (stream BCAST, message id `<run>/log/<round>`);
 *   - the roster they index into: v2 roster frames on `bcast.roster.<block>` (4,096 clients a
 *     block, ≤ 280 kB at 64-character ids), in join order, reloaded
 *     by a restarted coordinator so indices never move;
 *   - θ snapshots: v2 θ frames (CRC-32) on `bcast.theta.<round>` when they fit in a message
 *     (k ≲ 260,000 at the default 1 MiB payload), else as `theta-<round>` in the run's object
 *     store; written when a client first needs one, the newest two kept.
 *
 * `sourceFor` turns the trainer's catch-up (logs or θ) into where the client finds it, applying
 * the catch-up rule (`chooseCatchUp`: bytes and replay draws against a θ download).
 */
export class DownlinkPublisher {
  private readonly roster: RosterEntry[] = [];
  private readonly rosterIndex = new Map<string, number>();
  private rosterPublished = 0;
  /** Published round logs: their v2 frame bytes and scalar count. */
  private readonly logs = new Map<number, { bytes: number; scalars: number }>();
  /** Published θ snapshots: round → frame bytes. */
  private readonly snapshots = new Map<number, number>();
  private objects: Promise<ObjectStore> | null = null;
  private loaded: Promise<void> | null = null;
  private counts: CatchUpCounts = { none: 0, logs: 0, theta: 0, bytes: 0 };
  private run: RunDescriptor | undefined;

  constructor(private readonly options: DownlinkPublisherOptions) {}

  /** Reads the roster a previous coordinator session published (once; before any publish). */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const jsm = await broadcastReader(this.options.nc);
      for (const frame of await readRosterBlocks(jsm, this.options.subjects, 0)) {
        frame.clients.forEach((c, i) => {
          if (frame.from + i === this.roster.length) this.addEntry(c);
        });
      }
      this.rosterPublished = this.roster.length;
      if (this.roster.length > 0) {
        this.options.logger.log('info', 'roster-loaded', { clients: this.roster.length });
      }
    })();
    return this.loaded;
  }

  /** The run's parameters (from the first welcome): k, and what round logs leave out. */
  setRun(run: RunDescriptor): void {
    this.run ??= run;
  }

  /** A client that joined: appended to the roster (published before the next round log). */
  addClient(clientId: string, numSamples: number): void {
    if (!this.rosterIndex.has(clientId)) this.addEntry({ clientId, numSamples });
  }

  /** Counts since the last call (for the round's metrics), then zero. */
  takeCounts(): CatchUpCounts {
    const counts = this.counts;
    this.counts = { none: 0, logs: 0, theta: 0, bytes: 0 };
    return counts;
  }

  /**
   * Publishes a closed round's log (a fed-aggregate replay log, as the trainer's ZO aggregator
   * gives it) as a v2 round-log frame, after any roster entries it needs. Once per round; a
   * repeat (a resumed coordinator) is deduplicated by its message id. Resolves to the frame's
   * bytes (stored once, for every client).
   */
  async publishRoundLog(replayLog: Uint8Array): Promise<number> {
    const log = decodeReplayLog(replayLog);
    const known = this.logs.get(log.round);
    if (known !== undefined) return known.bytes;
    const run = this.requireRun();
    if (
      log.lr !== run.lr ||
      log.directions !== run.directions ||
      log.distribution !== run.distribution
    ) {
      // A v2 log leaves these out: clients replay with the run's own, so they must be the same.
      throw new MeerkatError(
        'MEERKAT_PROTOCOL',
        `round ${log.round}'s log has lr ${log.lr}, ${log.directions} direction(s), ${log.distribution}; the run descriptor says lr ${run.lr}, ${run.directions}, ${run.distribution}`,
      );
    }
    await this.load();
    await this.publishRoster();
    const frame = encodeRoundLogV2(
      roundLogV2FromReplayLog(log, { runSeed: BigInt(run.runSeed), clients: this.roster }),
    );
    const { subjects } = this.options;
    await retryDuringFailover(() =>
      jetstream(this.options.nc, { timeout: ADMIN_TIMEOUT_MS }).publish(
        subjects.roundLog(log.round),
        frame,
        { msgID: `${subjects.run}/log/${log.round}` },
      ),
    );
    this.logs.set(log.round, { bytes: frame.length, scalars: log.g.length });
    return frame.length;
  }

  /**
   * Where a client finds its catch-up, and the bytes it will fetch. `logs`: published first when
   * they are not yet (the final round's finish comes before its round-end); then the rule picks
   * logs or a θ snapshot (when `thetaOf` gives θ). `theta` (first-order runs, or logs no longer
   * kept): a snapshot of the θ it carries.
   */
  async sourceFor(catchUp: CatchUp): Promise<{ source: CatchUpSourceV2; bytes: number }> {
    const chosen = await this.choose(catchUp);
    this.counts[chosen.source.kind]++;
    this.counts.bytes += chosen.bytes;
    return chosen;
  }

  /**
   * A θ snapshot of `round` from `thetaOf` (θ after the last closed round, so `round` must be the
   * open one), as a catch-up source; null without `thetaOf`. For a client that restarted behind
   * what its announce named.
   */
  async thetaSource(round: number): Promise<CatchUpSourceV2 | null> {
    const theta = this.options.thetaOf?.();
    if (theta === undefined || theta.length !== this.requireRun().k) return null;
    await this.snapshot(round, theta);
    return { kind: 'theta' };
  }

  private async choose(catchUp: CatchUp): Promise<{ source: CatchUpSourceV2; bytes: number }> {
    if (catchUp.kind === 'none' || (catchUp.kind === 'logs' && catchUp.logs.length === 0)) {
      return { source: { kind: 'none' }, bytes: 0 };
    }
    if (catchUp.kind === 'theta') {
      return {
        source: { kind: 'theta' },
        bytes: await this.snapshot(catchUp.round, catchUp.theta),
      };
    }
    const from = catchUp.round - catchUp.logs.length;
    // Logs not published yet (the final round's finish comes before its round-end).
    for (const [i, log] of catchUp.logs.entries()) {
      if (!this.logs.has(from + i)) await this.publishRoundLog(log);
    }
    let bytes = 0;
    let scalars = 0;
    for (let r = from; r < catchUp.round; r++) {
      const published = this.logs.get(r)!;
      bytes += published.bytes;
      scalars += published.scalars;
    }
    const choice = chooseCatchUp(
      this.requireRun().k,
      catchUp.round,
      { rounds: catchUp.logs.length, scalars, bytes },
      this.options.costs ?? DEFAULT_CATCH_UP_COSTS,
    );
    if (choice.kind === 'theta') {
      // θ is asked for only now, and only once a round (`thetaOf` may copy a large θ).
      const known = this.snapshots.get(catchUp.round);
      if (known !== undefined) return { source: { kind: 'theta' }, bytes: known };
      const source = await this.thetaSource(catchUp.round);
      if (source !== null) {
        return { source, bytes: this.snapshots.get(catchUp.round)! };
      }
    }
    return { source: { kind: 'logs', from }, bytes };
  }

  /**
   * Stores θ of `round` once, as a CRC-32-checked v2 θ frame: one message on the broadcast stream
   * when it fits (a client reads it with one direct get, like a round log), else chunked in the
   * object store. The newest two are kept. Resolves to the frame's bytes.
   */
  private async snapshot(round: number, theta: Float32Array): Promise<number> {
    const known = this.snapshots.get(round);
    if (known !== undefined) return known;
    const frame = encodeThetaV2({ round, theta });
    const { subjects, nc } = this.options;
    const inMessage = frame.length <= (nc.info?.max_payload ?? 1024 * 1024) - SNAPSHOT_HEADROOM;
    if (inMessage) {
      await retryDuringFailover(() =>
        jetstream(nc, { timeout: ADMIN_TIMEOUT_MS }).publish(subjects.thetaSnapshot(round), frame, {
          msgID: `${subjects.run}/theta/${round}`,
        }),
      );
    } else {
      const store = await this.objectStore();
      const name = subjects.thetaObject(round);
      await retryDuringFailover(() =>
        store.putBlob({ name, options: { max_chunk_size: MASK_CHUNK_BYTES } }, frame),
      );
    }
    this.snapshots.set(round, frame.length);
    this.options.logger.log('info', 'theta-snapshot', {
      round,
      bytes: frame.length,
      store: inMessage ? 'stream' : 'object-store',
    });
    const old = [...this.snapshots.keys()].sort((a, b) => b - a).slice(SNAPSHOTS_KEPT);
    for (const r of old) {
      this.snapshots.delete(r);
      await this.dropSnapshot(r).catch(() => undefined);
    }
    return frame.length;
  }

  /** Removes an old snapshot from wherever it is (a straggler may still have read it). */
  private async dropSnapshot(round: number): Promise<void> {
    const { subjects, nc } = this.options;
    const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
    await jsm.streams.purge(subjects.broadcastStream, { filter: subjects.thetaSnapshot(round) });
    if (this.objects !== null) await (await this.objects).delete(subjects.thetaObject(round));
  }

  /** The run's object store: the mask's (publishRunManifest made it), or created here. */
  private objectStore(): Promise<ObjectStore> {
    this.objects ??= retryDuringFailover(async () => {
      const objm = new Objm(jetstream(this.options.nc, { timeout: ADMIN_TIMEOUT_MS }));
      try {
        return await objm.open(this.options.subjects.objectBucket);
      } catch (e) {
        if (!isMissingBucketError(e)) throw e;
      }
      return objm.create(this.options.subjects.objectBucket, {
        replicas: this.options.replicas ?? 1,
      });
    });
    return this.objects;
  }

  /**
   * Roster entries not yet on the stream: each 4,096-entry block they fall in is published again
   * whole (readers take a block's last message), so a reader needs one get per block.
   */
  private async publishRoster(): Promise<void> {
    const { subjects } = this.options;
    const B = ROSTER_BLOCK_ENTRIES;
    while (this.rosterPublished < this.roster.length) {
      const block = Math.floor(this.rosterPublished / B);
      const from = block * B;
      const clients = this.roster.slice(from, from + B);
      await retryDuringFailover(() =>
        jetstream(this.options.nc, { timeout: ADMIN_TIMEOUT_MS }).publish(
          subjects.rosterBlock(block),
          encodeRosterV2({ from, clients }),
          { msgID: `${subjects.run}/roster/${block}/${clients.length}` },
        ),
      );
      this.rosterPublished = from + clients.length;
    }
  }

  private addEntry(entry: RosterEntry): void {
    this.rosterIndex.set(entry.clientId, this.roster.length);
    this.roster.push({ clientId: entry.clientId, numSamples: entry.numSamples });
  }

  private requireRun(): RunDescriptor {
    if (this.run === undefined) {
      throw new MeerkatError(
        'MEERKAT_INVALID_STATE',
        'the downlink publisher has no run descriptor yet: a welcome names it',
      );
    }
    return this.run;
  }
}
