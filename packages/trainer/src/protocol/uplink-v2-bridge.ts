import { checkInteger } from './field-checks.js';
import type { JoinMessage, UpdateMessage } from './messages.js';
import type { JoinV2, UpdateV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/**
 * The uplink of a transport that speaks v2 while the coordinator and the client work with v1
 * messages (messages.ts): a client link turns each v1 join/update into its v2 twin before
 * `encodeMessageV2`, the coordinator's link turns the decoded v2 message back. Exact both ways:
 *
 *   - g, delta and the loss statistics travel as float32. A value that is not float32-representable
 *     is refused, never rounded (rounding here would make the coordinator aggregate another g than
 *     the client applied): a ZO client rounds its own g (`ZoOptimizer` with `scalars: 'float32'`)
 *     and its loss statistics (`Math.fround`) before it sends them, as `TrainingClient` does.
 *   - `numSamples` is not in a v2 update: the coordinator's link takes it from the client's join.
 *   - The counters are left out when they are what a ZO update without skipped steps has (no delta,
 *     `skippedSteps` 0, `forwardPasses` = 2 per scalar: the two-point estimate) and read back as
 *     those values; any other update carries them.
 *   - The loss statistics are the mean only (flags 0x01; 56 B for a ZO update of 10 steps, 1
 *     direction), and in round 1 the first step's loss too (flags 0x03, 60 B): the divergence
 *     guard's reference. First and last travel only when asked for (`lossFirstLast`, +8 B).
 *     The coordinator accepts an update with the mean, with or without first/last, and refuses
 *     one without a mean.
 */

/** Forward passes per g scalar that an update without counters stands for (two-point estimate). */
export const ZO_FORWARD_PASSES_PER_SCALAR = 2;

function float32Value(what: string, value: number): number {
  if (!(typeof value === 'number' && Math.fround(value) === value)) {
    throw protocolError(
      `${what} = ${value} is not a float32 value: protocol v2 carries float32 scalars, and rounding it here would make the coordinator aggregate another value than the client used (round it with Math.fround before sending; ZoOptimizer: scalars 'float32')`,
    );
  }
  return value;
}

/** How `updateV2FromMessage` writes an update. */
export interface UpdateV2Options {
  /**
   * Also send the loss of the first and last step, where the message has them (+4 B each, flags
   * 0x07). Default false: the loss mean, and in round 1 (`round` 0) the first step's loss too
   * (+4 B, flags 0x03), which is the coordinator's divergence reference (the loss of the starting
   * θ on training batches).
   */
  readonly lossFirstLast?: boolean;
}

/** The v2 update of a v1 update message (client side); the client id stays the subject's. */
export function updateV2FromMessage(m: UpdateMessage, options: UpdateV2Options = {}): UpdateV2 {
  for (let i = 0; i < m.g.length; i++) float32Value(`update: g[${i}]`, m.g[i]!);
  const { first, last } = m.loss;
  const sendFirst = options.lossFirstLast === true || m.round === 0;
  const loss = {
    mean: float32Value('update: loss.mean', m.loss.mean),
    ...(sendFirst && first !== undefined
      ? { first: float32Value('update: loss.first', first) }
      : {}),
    ...(options.lossFirstLast === true && last !== undefined
      ? { last: float32Value('update: loss.last', last) }
      : {}),
  };
  const hasDelta = m.delta.length > 0;
  const defaultCounters =
    !hasDelta &&
    m.skippedSteps === 0 &&
    m.forwardPasses === ZO_FORWARD_PASSES_PER_SCALAR * m.g.length;
  return {
    type: 'update',
    clientId: m.clientId,
    round: m.round,
    g: Float32Array.from(m.g),
    loss,
    ...(defaultCounters
      ? {}
      : { counters: { forwardPasses: m.forwardPasses, skippedSteps: m.skippedSteps } }),
    ...(hasDelta ? { delta: m.delta } : {}),
  };
}

/**
 * The v1 update message of a decoded v2 update (coordinator side), with the `numSamples` of the
 * client's join. A v2 update without the loss mean is `MEERKAT_PROTOCOL`; first and last are
 * passed on when the frame has them and otherwise left out (not filled from the mean: that would
 * claim a step loss nobody measured).
 */
export function updateMessageFromV2(u: UpdateV2, numSamples: number): UpdateMessage {
  checkInteger(`update of ${u.clientId}: numSamples (from its join)`, numSamples, 1, 2 ** 53 - 1);
  const loss = u.loss;
  if (loss === undefined) {
    throw protocolError(
      `v2 update of ${u.clientId} for round ${u.round}: the coordinator needs the loss mean (flag 0x01)`,
    );
  }
  return {
    v: 1,
    type: 'update',
    round: u.round,
    clientId: u.clientId,
    numSamples,
    g: Float64Array.from(u.g),
    delta: u.delta ?? new Float32Array(0),
    loss: {
      mean: loss.mean,
      ...(loss.first === undefined ? {} : { first: loss.first }),
      ...(loss.last === undefined ? {} : { last: loss.last }),
    },
    forwardPasses: u.counters?.forwardPasses ?? ZO_FORWARD_PASSES_PER_SCALAR * u.g.length,
    skippedSteps: u.counters?.skippedSteps ?? 0,
  };
}

/** The v2 join of a v1 join message, listing the protocol versions the client speaks. */
export function joinV2FromMessage(m: JoinMessage, versions: readonly number[]): JoinV2 {
  return {
    type: 'join',
    clientId: m.clientId,
    versions,
    numSamples: m.numSamples,
    round: m.round,
  };
}

/** The v1 join message of a decoded v2 join (the versions are the transport's business). */
export function joinMessageFromV2(j: JoinV2): JoinMessage {
  return { v: 1, type: 'join', clientId: j.clientId, numSamples: j.numSamples, round: j.round };
}
