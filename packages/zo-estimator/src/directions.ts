import { ZoError } from './errors.js';
import { philox4x32Into } from './philox.js';
import { seedToKey } from './seed.js';

/** How direction entries are distributed. */
export type DirectionDistribution = 'gaussian' | 'rademacher';

export interface DirectionOptions {
  /** Philox counter word 1; use 1, 2, … for extra directions of the same step. Default 0. */
  readonly stream?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
}

const TWO_PI = 2 * Math.PI;
const INV_2_32 = 1 / 4294967296;
/** Scratch for one Philox block; reused so the fill loops allocate nothing. */
const block = new Uint32Array(4);
/** Scratch for the four direction values of one block (float64 before rounding to float32). */
const values = new Float64Array(4);

function checkStream(stream: number): void {
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `stream must be an integer in [0, 2^32), got ${stream}`,
    );
  }
}

/** Computes the four direction values of Philox block `b` into `values`. */
function blockValues(b: number, stream: number, k0: number, k1: number, gaussian: boolean): void {
  philox4x32Into(b, stream, 0, 0, k0, k1, block);
  if (gaussian) {
    const r0 = Math.sqrt(-2 * Math.log((block[0]! + 0.5) * INV_2_32));
    const a0 = TWO_PI * ((block[1]! + 0.5) * INV_2_32);
    const r1 = Math.sqrt(-2 * Math.log((block[2]! + 0.5) * INV_2_32));
    const a1 = TWO_PI * ((block[3]! + 0.5) * INV_2_32);
    values[0] = r0 * Math.cos(a0);
    values[1] = r0 * Math.sin(a0);
    values[2] = r1 * Math.cos(a1);
    values[3] = r1 * Math.sin(a1);
  } else {
    values[0] = block[0]! & 1 ? 1 : -1;
    values[1] = block[1]! & 1 ? 1 : -1;
    values[2] = block[2]! & 1 ? 1 : -1;
    values[3] = block[3]! & 1 ? 1 : -1;
  }
}

/**
 * Direction stream v1, sub-range form: writes z_j for j in [from, from + out.length) into
 * out[0 .. out.length). Only the Philox blocks that cover the range are computed, so workers or
 * GPU kernels can shard one direction. Allocation-free.
 */
export function fillDirectionRange(
  seed: bigint,
  out: Float32Array,
  from: number,
  options: DirectionOptions = {},
): Float32Array {
  const [k0, k1] = seedToKey(seed);
  const stream = options.stream ?? 0;
  checkStream(stream);
  const distribution = options.distribution ?? 'gaussian';
  if (distribution !== 'gaussian' && distribution !== 'rademacher') {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `distribution must be 'gaussian' or 'rademacher', got ${String(distribution)}`,
    );
  }
  const to = from + out.length;
  if (!Number.isInteger(from) || from < 0 || to / 4 > 0xffffffff) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `direction range [${from}, ${to}) must be non-negative integers below 2^34`,
    );
  }
  const gaussian = distribution === 'gaussian';
  let j = from;
  // Leading partial block.
  while (j < to && (j & 3) !== 0) {
    blockValues(Math.floor(j / 4), stream, k0, k1, gaussian);
    const end = Math.min(to, (Math.floor(j / 4) + 1) * 4);
    for (; j < end; j++) out[j - from] = values[j & 3]!;
  }
  // Whole blocks.
  let o = j - from;
  const wholeEnd = to - (to & 3);
  if (gaussian) {
    for (let b = j / 4; j < wholeEnd; b++, j += 4, o += 4) {
      philox4x32Into(b, stream, 0, 0, k0, k1, block);
      const r0 = Math.sqrt(-2 * Math.log((block[0]! + 0.5) * INV_2_32));
      const a0 = TWO_PI * ((block[1]! + 0.5) * INV_2_32);
      const r1 = Math.sqrt(-2 * Math.log((block[2]! + 0.5) * INV_2_32));
      const a1 = TWO_PI * ((block[3]! + 0.5) * INV_2_32);
      out[o] = r0 * Math.cos(a0);
      out[o + 1] = r0 * Math.sin(a0);
      out[o + 2] = r1 * Math.cos(a1);
      out[o + 3] = r1 * Math.sin(a1);
    }
  } else {
    for (let b = j / 4; j < wholeEnd; b++, j += 4, o += 4) {
      philox4x32Into(b, stream, 0, 0, k0, k1, block);
      out[o] = block[0]! & 1 ? 1 : -1;
      out[o + 1] = block[1]! & 1 ? 1 : -1;
      out[o + 2] = block[2]! & 1 ? 1 : -1;
      out[o + 3] = block[3]! & 1 ? 1 : -1;
    }
  }
  // Trailing partial block.
  if (j < to) {
    blockValues(j / 4, stream, k0, k1, gaussian);
    for (; j < to; j++) out[j - from] = values[j & 3]!;
  }
  return out;
}

/** Direction stream v1: fills out[j] = z_j(seed, stream) for j = 0 .. out.length - 1. */
export function fillDirection(
  seed: bigint,
  out: Float32Array,
  options: DirectionOptions = {},
): Float32Array {
  return fillDirectionRange(seed, out, 0, options);
}
