import { decodeMessage } from './codec.js';
import { decodeMessageV2 } from './codec-v2.js';
import type { ProtocolMessage } from './messages.js';
import type { MessageV2 } from './messages-v2.js';
import { protocolError } from './protocol-error.js';

/** A decoded per-client message of either protocol version. */
export type AnyProtocolMessage =
  | { readonly version: 1; readonly message: ProtocolMessage }
  | { readonly version: 2; readonly message: MessageV2 };

/**
 * The protocol version of a Meerkat frame: the byte after the magic "MKP". A frame shorter than
 * 4 bytes or without the magic is `MEERKAT_PROTOCOL`; the version is not checked here.
 */
export function protocolVersionOf(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) {
    throw protocolError('a frame of fewer than 4 bytes has no version');
  }
  if (bytes[0] !== 0x4d || bytes[1] !== 0x4b || bytes[2] !== 0x50) {
    throw protocolError('not a Meerkat protocol frame (bad magic)');
  }
  return bytes[3]!;
}

/**
 * Decodes a per-client frame of either version, dispatching on the magic's version byte: v1 with
 * `decodeMessage` (a v1 frame names its client itself), v2 with `decodeMessageV2(bytes,
 * clientId)`, `clientId` being the subject the frame travelled on. Any other version, and every
 * failure of either decoder, is `MEERKAT_PROTOCOL`.
 */
export function decodeAnyMessage(bytes: Uint8Array, clientId: string): AnyProtocolMessage {
  const version = protocolVersionOf(bytes);
  if (version === 1) return { version: 1, message: decodeMessage(bytes) };
  if (version === 2) return { version: 2, message: decodeMessageV2(bytes, clientId) };
  throw protocolError(`protocol version ${version} is not supported (this build speaks 1 and 2)`);
}
