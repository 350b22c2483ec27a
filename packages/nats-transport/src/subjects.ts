import { MeerkatError } from '@meerkat/trainer';

/** Run ids and client ids are single NATS subject tokens: letters, digits, `_` and `-`. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws `NATS_INVALID_NAME` unless `value` is a usable run or client id. */
export function assertNatsName(what: 'run id' | 'client id', value: string): void {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      `The ${what} ${JSON.stringify(value)} is not allowed: use 1 to 64 letters, digits, "_" or "-" (it becomes a NATS subject token and part of stream names).`,
    );
  }
}

/**
 * Every subject, stream and bucket name of one run. Clients publish updates only on their own
 * `update.<clientId>` subject; everything the coordinator sends goes on `bcast.*`.
 *
 *   meerkat.<run>.bcast.announce      round announcements            (stream BCAST)
 *   meerkat.<run>.bcast.log.<round>   round r's log, v2 frame        (stream BCAST, once)
 *   meerkat.<run>.bcast.roster.<b>    client list block b, v2 frame  (stream BCAST, latest)
 *   meerkat.<run>.bcast.theta.<round> θ snapshot, v2 θ frame         (stream BCAST, ≤ 1 message)
 *   meerkat.<run>.bcast.hello         a coordinator (re)start epoch  (stream BCAST)
 *   meerkat.<run>.update.<clientId>   a client's uplink: join, update (stream UPDATES)
 *   meerkat.<run>.down.<clientId>     the coordinator's replies to one client: welcome,
 *                                     announce, finish (core NATS; re-sent on a new join)
 *   meerkat.<run>.presence.<clientId> a client's heartbeat           (core NATS)
 *   KV  meerkat_<run>                 manifest and run state
 *   OBJ meerkat_<run>_obj             the mask; θ snapshots too large for one message
 *                                     (`theta-<round>`; chunked, sha256)
 */
export class RunSubjects {
  readonly run: string;
  readonly prefix: string;
  readonly broadcastWildcard: string;
  readonly announce: string;
  /** Every round log (`bcast.log.*`). */
  readonly roundLogWildcard: string;
  /** The coordinator announces each (re)start here (stored in BCAST); clients re-join on a new one. */
  readonly hello: string;
  readonly updateWildcard: string;
  readonly presenceWildcard: string;
  readonly broadcastStream: string;
  readonly updateStream: string;
  readonly kvBucket: string;
  readonly objectBucket: string;

  constructor(run: string) {
    assertNatsName('run id', run);
    this.run = run;
    this.prefix = `meerkat.${run}`;
    this.broadcastWildcard = `${this.prefix}.bcast.>`;
    this.announce = `${this.prefix}.bcast.announce`;
    this.roundLogWildcard = `${this.prefix}.bcast.log.*`;
    this.hello = `${this.prefix}.bcast.hello`;
    this.updateWildcard = `${this.prefix}.update.*`;
    this.presenceWildcard = `${this.prefix}.presence.*`;
    this.broadcastStream = `MEERKAT_${run}_BCAST`;
    this.updateStream = `MEERKAT_${run}_UPDATES`;
    this.kvBucket = `meerkat_${run}`;
    this.objectBucket = `meerkat_${run}_obj`;
  }

  /** The only subject client `clientId` may publish its updates on. */
  update(clientId: string): string {
    assertNatsName('client id', clientId);
    return `${this.prefix}.update.${clientId}`;
  }

  /** The subject the coordinator sends one client's welcome/announce/finish on. */
  down(clientId: string): string {
    assertNatsName('client id', clientId);
    return `${this.prefix}.down.${clientId}`;
  }

  presence(clientId: string): string {
    assertNatsName('client id', clientId);
    return `${this.prefix}.presence.${clientId}`;
  }

  /** The client id an update subject belongs to, or null when it is no update subject of this run. */
  clientOfUpdateSubject(subject: string): string | null {
    const head = `${this.prefix}.update.`;
    if (!subject.startsWith(head)) return null;
    const id = subject.slice(head.length);
    return NAME_PATTERN.test(id) ? id : null;
  }

  /** The inbox prefix a client connects with, so its permissions can name its own inbox only. */
  static inboxPrefix(clientId: string): string {
    assertNatsName('client id', clientId);
    return `_INBOX_${clientId}`;
  }

  /** KV stream of the run bucket (JetStream names it `KV_<bucket>`). */
  get kvStream(): string {
    return `KV_${this.kvBucket}`;
  }

  /** Object-store stream of the run bucket (JetStream names it `OBJ_<bucket>`). */
  get objectStream(): string {
    return `OBJ_${this.objectBucket}`;
  }

  /** Round `round`'s log on the broadcast stream (one message per round). */
  roundLog(round: number): string {
    return `${this.prefix}.bcast.log.${round}`;
  }

  /**
   * Block `block` of the roster (the run's client list, which round logs index into): a v2
   * roster frame of entries block·4096 …, published again as the block fills (read the last).
   */
  rosterBlock(block: number): string {
    return `${this.prefix}.bcast.roster.${block}`;
  }

  /** θ after `round` rounds on the broadcast stream (a v2 θ frame that fits in one message). */
  thetaSnapshot(round: number): string {
    return `${this.prefix}.bcast.theta.${round}`;
  }

  /** The object-store name of θ after `round` rounds (a frame too large for one message). */
  thetaObject(round: number): string {
    return `theta-${round}`;
  }

  /** Message id for JetStream deduplication of a client's update for a round. */
  updateMessageId(round: number, clientId: string): string {
    return `${this.run}/${round}/${clientId}`;
  }
}
