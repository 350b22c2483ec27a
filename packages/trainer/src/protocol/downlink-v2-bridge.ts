import type { AnnounceMessage, CatchUp, FinishMessage } from './messages.js';
import type { AnnounceV2, CatchUpSourceV2, FinishV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/**
 * The downlink of a transport that speaks v2 while the coordinator and the client work with v1
 * messages (messages.ts). A v1 announce or finish carries its catch-up (the replay logs, or θ);
 * its v2 twin carries only where to find it (`CatchUpSourceV2`): the transport stores the logs
 * and θ snapshots once for everyone (a broadcast stream, an object store) and the client's link
 * fetches them and hands the client the v1 message again. Nothing else changes: round, steps and
 * cursor travel as they are.
 */

/** The v2 announce of a v1 announce, with the catch-up source the coordinator's link chose. */
export function announceV2FromMessage(m: AnnounceMessage, catchUp: CatchUpSourceV2): AnnounceV2 {
  return {
    type: 'announce',
    clientId: m.clientId,
    round: m.round,
    steps: m.steps,
    cursor: { epoch: m.cursor.epoch, position: m.cursor.position },
    catchUp,
  };
}

/** The v2 finish of a v1 finish: the final round is its catch-up's round. */
export function finishV2FromMessage(m: FinishMessage, catchUp: CatchUpSourceV2): FinishV2 {
  return { type: 'finish', clientId: m.clientId, round: m.catchUp.round, catchUp };
}

/**
 * The v1 announce a client handles, from the v2 frame and the catch-up its link fetched (which
 * must reach the announced round: `MEERKAT_PROTOCOL` otherwise).
 */
export function announceMessageFromV2(a: AnnounceV2, catchUp: CatchUp): AnnounceMessage {
  checkCatchUpRound('announce', a.round, catchUp);
  return {
    v: 1,
    type: 'announce',
    round: a.round,
    clientId: a.clientId,
    steps: a.steps,
    cursor: { epoch: a.cursor.epoch, position: a.cursor.position },
    catchUp,
  };
}

/** The v1 finish a client handles, from the v2 frame and the fetched catch-up. */
export function finishMessageFromV2(f: FinishV2, catchUp: CatchUp): FinishMessage {
  checkCatchUpRound('finish', f.round, catchUp);
  return { v: 1, type: 'finish', clientId: f.clientId, catchUp };
}

/**
 * The source a v1 catch-up points to when its contents are stored elsewhere: logs of rounds
 * `round − logs.length` … `round − 1` (consecutive, as the coordinator sends them), θ, or none.
 */
export function catchUpSourceOf(c: CatchUp): CatchUpSourceV2 {
  if (c.kind === 'none') return { kind: 'none' };
  if (c.kind === 'theta') return { kind: 'theta' };
  if (c.logs.length === 0) return { kind: 'none' };
  return { kind: 'logs', from: c.round - c.logs.length };
}

function checkCatchUpRound(what: string, round: number, c: CatchUp): void {
  if (c.round !== round) {
    throw protocolError(
      `v2 ${what} of round ${round}: the fetched catch-up reaches round ${c.round}`,
    );
  }
}
