/** Stable codes for the errors the NATS transport raises. */
export type NatsTransportErrorCode =
  | 'NATS_INVALID_NAME'
  | 'NATS_INVALID_CONFIG'
  | 'NATS_MANIFEST_MISSING'
  | 'NATS_MANIFEST_INVALID'
  | 'NATS_PROTOCOL_MISMATCH'
  | 'NATS_FINGERPRINT_MISMATCH'
  | 'NATS_MASK_CORRUPT'
  | 'NATS_MESSAGE_INVALID'
  | 'NATS_STATE_INVALID';

/**
 * An error of the NATS transport: a bad run/client name, a manifest this client cannot join
 * (other protocol version, other model), a corrupt mask object, an invalid message or stored
 * state. `code` is stable; the message names the value and what was allowed.
 */
export class NatsTransportError extends Error {
  override readonly name = 'NatsTransportError';
  readonly code: NatsTransportErrorCode;

  constructor(code: NatsTransportErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
