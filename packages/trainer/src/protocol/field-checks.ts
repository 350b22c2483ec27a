import { protocolError } from './protocol-error.js';

/** Range checks the v2 encoders apply to what they are given (the decoders apply the same bounds). */

/** Largest round, step count or client index: deriveSeed takes 32-bit rounds and steps. */
export const U32_MAX = 0xffffffff;

/** Protocol versions are the magic's version byte. */
export const MAX_PROTOCOL_VERSION = 0xff;

export function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw protocolError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export function checkFloat32Array(what: string, value: unknown): void {
  if (!(value instanceof Float32Array)) {
    throw protocolError(`${what} must be a Float32Array`);
  }
}

export function checkClientId(clientId: unknown): void {
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw protocolError(
      'the client id (the subject a frame travels on) must be a non-empty string',
    );
  }
}
