import type { UplinkMessage, UplinkMessageV2 } from '@meerkat/trainer';
import { decodeAnyMessage, MeerkatError, SUPPORTED_PROTOCOL_VERSIONS } from '@meerkat/trainer';
import { z } from 'zod';
import type { UplinkLimits } from './uplink-limits.js';

/** Why the transport dropped an uplink message (stable strings, logged as `reason`). */
export type UplinkRejection =
  | 'oversized'
  | 'bad-subject'
  | 'malformed'
  | 'wrong-direction'
  | 'forged-sender'
  | 'out-of-bounds'
  | 'duplicate'
  | 'late'
  | 'early'
  /**
   * An update in a protocol version the coordinator does not speak (it decodes 1 and 2, and may
   * speak fewer), or a join with no version in common. A version byte no build knows is `malformed`.
   */
  | 'unsupported-version'
  /** A v2 update from a client whose join this coordinator session has not seen (no numSamples). */
  | 'not-joined';

/** A message that passed: v1 messages name their sender, v2 ones carry the subject's id. */
export type UplinkCheck =
  | { readonly ok: true; readonly version: 1; readonly message: UplinkMessage }
  | { readonly ok: true; readonly version: 2; readonly message: UplinkMessageV2 }
  | { readonly ok: false; readonly reason: UplinkRejection; readonly detail: string };

/** The g scalars and delta values an update must hold. */
export interface UpdateShape {
  /** steps × directions (ZO), 0 (first-order). */
  readonly scalars: number;
  /** k (first-order), 0 (ZO). */
  readonly deltaValues: number;
}

/** What the coordinator's link knows beyond the message itself. */
export interface UplinkContext {
  /**
   * Protocol versions the coordinator speaks (default `SUPPORTED_PROTOCOL_VERSIONS`): an update
   * frame of another version is `unsupported-version`. A join of any version it can decode
   * passes: the versions it lists are negotiated by the link.
   */
  readonly versions?: readonly number[];
  /**
   * The shape of `clientId`'s update for `round`, when the link knows it (it announced that round
   * to the client, with its steps, and sent it the run's directions or k); undefined otherwise.
   */
  readonly expectedShape?: (clientId: string, round: number) => UpdateShape | undefined;
}

function headerSchemas(limits: UplinkLimits) {
  const clientId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
  const round = z.number().int().min(0).max(limits.maxRound);
  const numSamples = z.number().int().min(1).max(limits.maxSamples);
  const loss = z.number().refine((x) => Number.isFinite(x) && Math.abs(x) <= limits.maxAbsLoss, {
    message: `a finite loss with |loss| <= ${limits.maxAbsLoss}`,
  });
  const count = z
    .number()
    .int()
    .min(0)
    .max(limits.maxScalars * 16);
  return {
    join: z.strictObject({ v: z.literal(1), type: z.literal('join'), clientId, numSamples, round }),
    update: z.strictObject({
      v: z.literal(1),
      type: z.literal('update'),
      round,
      clientId,
      numSamples,
      g: z.instanceof(Float64Array),
      delta: z.instanceof(Float32Array),
      loss: z.strictObject({ mean: loss, first: loss, last: loss }),
      forwardPasses: count,
      skippedSteps: count,
    }),
  };
}

/** Index of the first value that is not finite or exceeds `bound` in magnitude, or −1. */
function firstOutOfBounds(values: Float64Array | Float32Array, bound: number): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= bound)) return i;
  }
  return -1;
}

type Rejection = Extract<UplinkCheck, { ok: false }>;

function rejection(reason: UplinkRejection, detail: string): Rejection {
  return { ok: false, reason, detail };
}

/** Bounds shared by both versions: counts, finite bounded values, shape, skipped steps. */
function checkUpdateValues(
  u: {
    readonly clientId: string;
    readonly round: number;
    readonly g: Float64Array | Float32Array;
    readonly delta: Float32Array;
    readonly skippedSteps: number;
  },
  limits: UplinkLimits,
  context: UplinkContext,
): Rejection | null {
  if (u.g.length > limits.maxScalars || u.delta.length > limits.maxDeltaValues) {
    return rejection(
      'out-of-bounds',
      `${u.g.length} g scalars / ${u.delta.length} delta values exceed ${limits.maxScalars} / ${limits.maxDeltaValues}`,
    );
  }
  for (const [name, values] of [
    ['g', u.g],
    ['delta', u.delta],
  ] as const) {
    const j = firstOutOfBounds(values, limits.maxAbsValue);
    if (j >= 0) {
      return rejection(
        'out-of-bounds',
        `${name}[${j}] = ${values[j]} is not finite or exceeds ${limits.maxAbsValue}`,
      );
    }
  }
  if (u.skippedSteps > u.g.length && u.delta.length === 0) {
    return rejection('out-of-bounds', `skippedSteps ${u.skippedSteps} > ${u.g.length} scalars`);
  }
  const shape = context.expectedShape?.(u.clientId, u.round);
  if (
    shape !== undefined &&
    (u.g.length !== shape.scalars || u.delta.length !== shape.deltaValues)
  ) {
    return rejection(
      'out-of-bounds',
      `round ${u.round} update of ${u.clientId} has ${u.g.length} g scalars and ${u.delta.length} delta values; its announce asks for ${shape.scalars} (steps × directions) and ${shape.deltaValues}`,
    );
  }
  return null;
}

/** A v2 join or update, with the bounds v1's schemas give (the codec checked the frame). */
function checkV2(
  m: UplinkMessageV2,
  limits: UplinkLimits,
  context: UplinkContext,
): Rejection | null {
  const round = (r: number) =>
    r > limits.maxRound ? rejection('malformed', `round: ${r} exceeds ${limits.maxRound}`) : null;
  if (m.type === 'join') {
    if (m.numSamples > limits.maxSamples) {
      return rejection('malformed', `numSamples: ${m.numSamples} exceeds ${limits.maxSamples}`);
    }
    return round(m.round);
  }
  const badRound = round(m.round);
  if (badRound !== null) return badRound;
  const loss = m.loss;
  // The mean is all the coordinator reads; first/last are optional (bounded below when present).
  if (loss === undefined) {
    return rejection('malformed', 'loss: a v2 update must carry the loss mean');
  }
  for (const [name, value] of Object.entries(loss)) {
    if (!(Math.abs(value) <= limits.maxAbsLoss)) {
      return rejection(
        'malformed',
        `loss.${name}: ${value} is not a finite loss with |loss| <= ${limits.maxAbsLoss}`,
      );
    }
  }
  const maxCount = limits.maxScalars * 16;
  const counters = m.counters;
  if (
    counters !== undefined &&
    (counters.forwardPasses > maxCount || counters.skippedSteps > maxCount)
  ) {
    return rejection(
      'malformed',
      `counters: forwardPasses ${counters.forwardPasses} / skippedSteps ${counters.skippedSteps} exceed ${maxCount}`,
    );
  }
  return checkUpdateValues(
    {
      clientId: m.clientId,
      round: m.round,
      g: m.g,
      delta: m.delta ?? new Float32Array(0),
      skippedSteps: counters?.skippedSteps ?? 0,
    },
    limits,
    context,
  );
}

/**
 * Checks one uplink message as it arrived on `subjectClientId`'s update subject: size, frame
 * (magic, version, CRC, header or body — the protocol codecs, v1 and v2), protocol version
 * (updates only in a version the coordinator speaks), direction (join/update only), sender
 * identity (v1: the `clientId` inside must be the subject's; v2 frames carry no id, the subject
 * is the sender), and bounds, the same for both versions: integer rounds and counts, finite
 * bounded scalars and losses, array lengths, and — when `context.expectedShape` knows the round
 * — steps × directions g scalars (or k delta values). Whether the round is open is the
 * coordinator link's business; fed-aggregate `validateUpdate` checks again.
 */
export function validateUplink(
  bytes: Uint8Array,
  subjectClientId: string | null,
  limits: UplinkLimits,
  schemas = headerSchemas(limits),
  context: UplinkContext = {},
): UplinkCheck {
  if (bytes.length > limits.maxMessageBytes) {
    return {
      ok: false,
      reason: 'oversized',
      detail: `${bytes.length} bytes > ${limits.maxMessageBytes}`,
    };
  }
  if (subjectClientId === null) {
    return { ok: false, reason: 'bad-subject', detail: 'not an update subject of this run' };
  }
  let decoded: ReturnType<typeof decodeAnyMessage>;
  try {
    decoded = decodeAnyMessage(bytes, subjectClientId);
  } catch (e) {
    // Whatever the decoder throws on hostile bytes (a version byte it does not know included),
    // the message is malformed; the coordinator goes on.
    const detail =
      e instanceof MeerkatError ? e.message : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    return { ok: false, reason: 'malformed', detail };
  }
  const { type } = decoded.message;
  if (type !== 'join' && type !== 'update') {
    return {
      ok: false,
      reason: 'wrong-direction',
      detail: `a ${type} message is coordinator → client`,
    };
  }
  const speaks = context.versions ?? SUPPORTED_PROTOCOL_VERSIONS;
  if (type === 'update' && !speaks.includes(decoded.version)) {
    return rejection(
      'unsupported-version',
      `a v${decoded.version} update; this coordinator speaks ${speaks.join(', ')}`,
    );
  }
  if (decoded.version === 2) {
    const message = decoded.message as UplinkMessageV2;
    return checkV2(message, limits, context) ?? { ok: true, version: 2, message };
  }
  return checkV1(decoded.message as UplinkMessage, subjectClientId, limits, schemas, context);
}

/** A v1 join or update: its header's schema, its sender, its bounds. */
function checkV1(
  decoded: UplinkMessage,
  subjectClientId: string,
  limits: UplinkLimits,
  schemas: ReturnType<typeof headerSchemas>,
  context: UplinkContext,
): UplinkCheck {
  const parsed = schemas[decoded.type].safeParse(decoded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: 'malformed',
      detail: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const message = decoded as UplinkMessage;
  if (message.clientId !== subjectClientId) {
    return {
      ok: false,
      reason: 'forged-sender',
      detail: `message says client ${JSON.stringify(message.clientId)}, subject belongs to ${JSON.stringify(subjectClientId)}`,
    };
  }
  if (message.type === 'update') {
    const bad = checkUpdateValues(message, limits, context);
    if (bad !== null) return bad;
  }
  return { ok: true, version: 1, message };
}

export { headerSchemas as uplinkSchemas };
