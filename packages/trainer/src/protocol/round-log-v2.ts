import { checkFloat32Array, checkInteger, U32_MAX } from './field-checks.js';
import { openFrameV2, startFrameV2 } from './frame-v2.js';
import type { RoundLogParticipant, RoundLogV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/**
 * Round log v2 (frame type 6), the dimension-free downlink of a ZO round without seeds or
 * weights, both of which every replica derives (see expand-round-log-v2.ts):
 *
 *   envelope (magic "MKP" 0x02, type 6) | round | participant count P |
 *   P × (client index into the run's client list, step count) |
 *   Σ steps × d float32 g values (participant order, then step order, then direction order;
 *   they fill the frame up to the checksum, so d is implied) | CRC-32
 *
 * All integers are varints. Participants are listed in clientId order (UTF-16 code units, as
 * fed-aggregate orders a replay log); indices are distinct; g values are finite.
 * A v1 replay-log entry costs 24 B (seed u64, g f64, p f64); here a step costs 4 B per direction.
 */

/** Σ steps; throws unless the participants are distinct indices with step counts in range. */
function totalSteps(participants: readonly RoundLogParticipant[], what: string): number {
  const seen = new Set<number>();
  let total = 0;
  participants.forEach((p, i) => {
    checkInteger(`${what}: participants[${i}].client`, p.client, 0, U32_MAX);
    checkInteger(`${what}: participants[${i}].steps`, p.steps, 0, U32_MAX);
    if (seen.has(p.client)) {
      throw protocolError(`${what}: client index ${p.client} is listed twice`);
    }
    seen.add(p.client);
    total += p.steps;
  });
  return total;
}

function checkScalars(what: string, g: Float32Array, steps: number): void {
  if (steps === 0 ? g.length !== 0 : g.length === 0 || g.length % steps !== 0) {
    throw protocolError(
      `${what}: ${g.length} g values are not Σ steps × directions for Σ steps = ${steps}`,
    );
  }
  for (let j = 0; j < g.length; j++) {
    if (!Number.isFinite(g[j]!)) throw protocolError(`${what}: g[${j}] = ${g[j]} is not finite`);
  }
}

/** The frame of a v2 round log; a malformed log is `MEERKAT_PROTOCOL`. */
export function encodeRoundLogV2(log: RoundLogV2): Uint8Array {
  const what = 'round log v2';
  checkInteger(`${what}: round`, log.round, 0, U32_MAX);
  if (!Array.isArray(log.participants))
    throw protocolError(`${what}: participants must be an array`);
  checkFloat32Array(`${what}: g`, log.g);
  checkScalars(what, log.g, totalSteps(log.participants, what));
  const out = startFrameV2('round-log', 16 + 10 * log.participants.length + 4 * log.g.length);
  out.varint(log.round);
  out.varint(log.participants.length);
  for (const p of log.participants) {
    out.varint(p.client);
    out.varint(p.steps);
  }
  out.f32Array(log.g);
  return out.finishWithCrc32();
}

/** Decodes `encodeRoundLogV2` output; anything else is `MEERKAT_PROTOCOL`. */
export function decodeRoundLogV2(bytes: Uint8Array): RoundLogV2 {
  const { body } = openFrameV2(bytes, ['round-log']);
  const round = body.varint('round', U32_MAX);
  const count = body.varint('participant count');
  const participants: RoundLogParticipant[] = [];
  for (let i = 0; i < count; i++) {
    const client = body.varint(`participants[${i}].client`, U32_MAX);
    const steps = body.varint(`participants[${i}].steps`, U32_MAX);
    participants.push({ client, steps });
  }
  const steps = totalSteps(participants, 'v2 round-log frame');
  if (body.remaining % 4 !== 0) {
    throw protocolError(
      `v2 round-log frame: ${body.remaining} bytes of g are not a whole number of float32 values`,
    );
  }
  const g = body.f32Array(body.remaining / 4, 'g');
  checkScalars('v2 round-log frame', g, steps);
  body.done();
  return { round, participants, g };
}
