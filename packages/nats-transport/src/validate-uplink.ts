import type { UplinkMessage } from '@meerkat/trainer';
import { decodeMessage, MeerkatError } from '@meerkat/trainer';
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
  | 'early';

export type UplinkCheck =
  | { readonly ok: true; readonly message: UplinkMessage }
  | { readonly ok: false; readonly reason: UplinkRejection; readonly detail: string };

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

/**
 * Checks one uplink message as it arrived on `subjectClientId`'s update subject: size, frame
 * (magic, version, CRC, header — the protocol codec), direction (join/update only), sender
 * identity (the `clientId` inside must be the subject's), and schema with bounds (integer
 * rounds and counts, finite bounded scalars, array lengths). Round and step counts against the
 * open round are the coordinator's business (fed-aggregate `validateUpdate`).
 */
export function validateUplink(
  bytes: Uint8Array,
  subjectClientId: string | null,
  limits: UplinkLimits,
  schemas = headerSchemas(limits),
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
  let decoded: ReturnType<typeof decodeMessage>;
  try {
    decoded = decodeMessage(bytes);
  } catch (e) {
    // Whatever the decoder throws on hostile bytes, the message is malformed; the coordinator goes on.
    const detail =
      e instanceof MeerkatError ? e.message : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    return { ok: false, reason: 'malformed', detail };
  }
  if (decoded.type !== 'join' && decoded.type !== 'update') {
    return {
      ok: false,
      reason: 'wrong-direction',
      detail: `a ${decoded.type} message is coordinator → client`,
    };
  }
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
    if (message.g.length > limits.maxScalars || message.delta.length > limits.maxDeltaValues) {
      return {
        ok: false,
        reason: 'out-of-bounds',
        detail: `${message.g.length} g scalars / ${message.delta.length} delta values exceed ${limits.maxScalars} / ${limits.maxDeltaValues}`,
      };
    }
    for (const [name, values] of [
      ['g', message.g],
      ['delta', message.delta],
    ] as const) {
      const j = firstOutOfBounds(values, limits.maxAbsValue);
      if (j >= 0) {
        return {
          ok: false,
          reason: 'out-of-bounds',
          detail: `${name}[${j}] = ${values[j]} is not finite or exceeds ${limits.maxAbsValue}`,
        };
      }
    }
    if (message.skippedSteps > message.g.length && message.delta.length === 0) {
      return {
        ok: false,
        reason: 'out-of-bounds',
        detail: `skippedSteps ${message.skippedSteps} > ${message.g.length} scalars`,
      };
    }
  }
  return { ok: true, message };
}

export { headerSchemas as uplinkSchemas };
