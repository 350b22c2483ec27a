import { checkFloat32Array, checkInteger, U32_MAX } from './field-checks.js';
import { openFrameV2, startFrameV2 } from './frame-v2.js';
import type { ThetaV2 } from './messages-v2.js';

/**
 * θ frame v2 (frame type 7): θ^round, the downlink of a first-order round or of a client too far
 * behind for round logs.
 *
 *   envelope (magic "MKP" 0x02, type 7) | round | count k | k × f32 θ | CRC-32
 */

/** The frame of θ^round; a malformed input is `MEERKAT_PROTOCOL`. */
export function encodeThetaV2(frame: ThetaV2): Uint8Array {
  checkInteger('theta v2: round', frame.round, 0, U32_MAX);
  checkFloat32Array('theta v2: theta', frame.theta);
  const out = startFrameV2('theta', 16 + 4 * frame.theta.length);
  out.varint(frame.round);
  out.varint(frame.theta.length);
  out.f32Array(frame.theta);
  return out.finishWithCrc32();
}

/** Decodes `encodeThetaV2` output; anything else is `MEERKAT_PROTOCOL`. */
export function decodeThetaV2(bytes: Uint8Array): ThetaV2 {
  const { body } = openFrameV2(bytes, ['theta']);
  const round = body.varint('round', U32_MAX);
  const theta = body.f32Array(body.varint('count'), 'theta');
  body.done();
  return { round, theta };
}
