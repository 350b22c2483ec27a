import type { NatsConnection } from '@nats-io/transport-node';

/** The last announce the coordinator sent a client (encoded frame). */
export interface SentAnnounce {
  readonly round: number;
  readonly bytes: Uint8Array;
}

/**
 * Publishes again, through `publish`, the last announce of every client whose announce is for
 * the open round `round` and whose update for it has not been read (`seenUpdates`). Returns the
 * clients it went to. A client that had the announce computes the same update again, which
 * JetStream drops by its message id.
 */
export function resendMissingAnnounces(
  lastAnnounce: ReadonlyMap<string, SentAnnounce>,
  seenUpdates: ReadonlyMap<number, ReadonlySet<string>>,
  round: number,
  publish: (clientId: string, bytes: Uint8Array) => void,
): string[] {
  const resent: string[] = [];
  for (const [clientId, last] of lastAnnounce) {
    if (last.round !== round || seenUpdates.get(round)?.has(clientId) === true) continue;
    publish(clientId, last.bytes);
    resent.push(clientId);
  }
  return resent;
}

/**
 * Calls `onReconnect` after every reconnect of `nc` (to the same server or, in a cluster, to
 * another node). Core-NATS messages written to a node that died are lost. Stop it with `stop`.
 */
export function watchReconnects(nc: NatsConnection, onReconnect: () => void): { stop(): void } {
  const statuses = nc.status();
  let stopped = false;
  void (async () => {
    for await (const s of statuses) {
      if (stopped) break;
      if (s.type === 'reconnect') onReconnect();
    }
  })().catch(() => {});
  return {
    stop: () => {
      stopped = true;
      (statuses as { stop?: () => void }).stop?.();
    },
  };
}
