import { checkInteger, U32_MAX } from './field-checks.js';
import { openFrameV2, startFrameV2 } from './frame-v2.js';
import type { RosterEntry, RosterV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/**
 * Roster frame v2 (frame type 8): entries `from .. from + count − 1` of the run's client list —
 * the list round logs index into, in join order (so indices never move) — with each client's
 * numSamples from its join, which is what the weights p_c = n_c / Σ n need.
 *
 *   envelope (magic "MKP" 0x02, type 8) | from | count C |
 *   C × (id length L, L bytes UTF-8 client id, numSamples ≥ 1) | CRC-32
 */

const utf8 = new TextEncoder();

function checkEntries(from: number, clients: readonly RosterEntry[], what: string): void {
  if (from + clients.length > U32_MAX + 1) {
    throw protocolError(`${what}: indices ${from} .. ${from + clients.length - 1} exceed 2^32 − 1`);
  }
  const seen = new Set<string>();
  clients.forEach((c, i) => {
    if (typeof c.clientId !== 'string' || c.clientId.length === 0 || /\p{Cs}/u.test(c.clientId)) {
      throw protocolError(
        `${what}: clients[${i}].clientId must be a non-empty string of whole characters (no lone surrogates)`,
      );
    }
    checkInteger(`${what}: clients[${i}].numSamples`, c.numSamples, 1, Number.MAX_SAFE_INTEGER);
    if (seen.has(c.clientId)) throw protocolError(`${what}: client ${c.clientId} is listed twice`);
    seen.add(c.clientId);
  });
}

/** The frame of a roster slice; a malformed input is `MEERKAT_PROTOCOL`. */
export function encodeRosterV2(roster: RosterV2): Uint8Array {
  const what = 'roster v2';
  checkInteger(`${what}: from`, roster.from, 0, U32_MAX);
  if (!Array.isArray(roster.clients)) throw protocolError(`${what}: clients must be an array`);
  checkEntries(roster.from, roster.clients, what);
  const out = startFrameV2('roster');
  out.varint(roster.from);
  out.varint(roster.clients.length);
  for (const c of roster.clients) {
    const id = utf8.encode(c.clientId);
    out.varint(id.length);
    out.bytes(id);
    out.varint(c.numSamples);
  }
  return out.finishWithCrc32();
}

/** Decodes `encodeRosterV2` output; anything else is `MEERKAT_PROTOCOL`. */
export function decodeRosterV2(bytes: Uint8Array): RosterV2 {
  const { body } = openFrameV2(bytes, ['roster']);
  const from = body.varint('from', U32_MAX);
  const count = body.varint('count');
  const clients: RosterEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = body.utf8(body.varint(`clients[${i}] id length`), `clients[${i}] id`);
    const numSamples = body.varint(`clients[${i}].numSamples`);
    clients.push({ clientId, numSamples });
  }
  checkEntries(from, clients, 'v2 roster frame');
  body.done();
  return { from, clients };
}
