import { philox4x32Into } from '@meerkat/seeded';
import { checkDistribution } from './checks.js';
import { ZoError } from './errors.js';
import { type GaussianBlockKernel, gaussianBlockKernel } from './gaussian-wasm.js';
import { philoxBlockKernel, WASM_CHUNK_BLOCKS } from './philox-wasm.js';
import { seedToKey } from './seed.js';

/** How direction entries are distributed. */
export type DirectionDistribution = 'gaussian' | 'rademacher';

export interface DirectionOptions {
  /** Philox counter word 1; use 1, 2, … for extra directions of the same step. Default 0. */
  readonly stream?: number;
  /** Default `'gaussian'`. */
  readonly distribution?: DirectionDistribution;
  /**
   * `'auto'` (default) uses the WebAssembly kernels when the runtime has WebAssembly: Philox,
   * and for Gaussian entries also Box–Muller with fdlibm ports of ln/sin/cos (bit-identical to
   * Node 20's `Math.*`, independent of the engine's libm). `'js'` forces the pure-JavaScript
   * path (Philox in JS, `Math.log/cos/sin`). On Node 20 both give identical numbers.
   */
  readonly engine?: 'auto' | 'js';
}

const TWO_PI = 2 * Math.PI;
const INV_2_32 = 1 / 4294967296;
/** Scratch for one Philox block, reused so the fill loops allocate nothing. */
const block = new Uint32Array(4);

/** Validates a Philox stream (counter word 1): an integer in [0, 2^32). */
function checkStream(stream: number): void {
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `stream must be an integer in [0, 2^32), got ${stream}`,
    );
  }
}

/**
 * Turns Philox words into direction entries: words[w .. w + 4·count) become
 * out[o .. o + 4·count). Gaussian: Box–Muller in float64 on u = (x + 0.5)/2^32, rounded to
 * float32 by the store. Rademacher: the low bit of each word.
 */
function wordsToEntries(
  words: Uint32Array,
  w: number,
  count: number,
  out: Float32Array,
  o: number,
  gaussian: boolean,
): void {
  const end = w + 4 * count;
  if (gaussian) {
    for (; w < end; w += 4, o += 4) {
      const r0 = Math.sqrt(-2 * Math.log((words[w]! + 0.5) * INV_2_32));
      const a0 = TWO_PI * ((words[w + 1]! + 0.5) * INV_2_32);
      const r1 = Math.sqrt(-2 * Math.log((words[w + 2]! + 0.5) * INV_2_32));
      const a1 = TWO_PI * ((words[w + 3]! + 0.5) * INV_2_32);
      out[o] = r0 * Math.cos(a0);
      out[o + 1] = r0 * Math.sin(a0);
      out[o + 2] = r1 * Math.cos(a1);
      out[o + 3] = r1 * Math.sin(a1);
    }
  } else {
    for (; w < end; w += 4, o += 4) {
      out[o] = words[w]! & 1 ? 1 : -1;
      out[o + 1] = words[w + 1]! & 1 ? 1 : -1;
      out[o + 2] = words[w + 2]! & 1 ? 1 : -1;
      out[o + 3] = words[w + 3]! & 1 ? 1 : -1;
    }
  }
}

/** Scratch for a partial block's four entries. */
const partial = new Float32Array(4);

/**
 * Writes the entries of block `b` that fall inside [from, to) to out[j − from]; with
 * `gaussianKernel` (Gaussian entries only) the block comes from the WebAssembly kernel.
 */
function writePartialBlock(
  b: number,
  from: number,
  to: number,
  stream: number,
  k0: number,
  k1: number,
  gaussian: boolean,
  out: Float32Array,
  gaussianKernel: GaussianBlockKernel | undefined,
): void {
  if (gaussianKernel !== undefined) {
    partial.set(gaussianKernel(k0, k1, stream, b, 1).subarray(0, 4));
  } else {
    philox4x32Into(b, stream, 0, 0, k0, k1, block);
    wordsToEntries(block, 0, 1, partial, 0, gaussian);
  }
  const end = Math.min(to, 4 * b + 4);
  for (let j = Math.max(from, 4 * b); j < end; j++) out[j - from] = partial[j - 4 * b]!;
}

/** Validates a direction range [from, to): non-negative integers with to/4 below 2^32. */
function checkDirectionRange(from: number, to: number): void {
  if (!Number.isInteger(from) || from < 0 || to / 4 > 0xffffffff) {
    throw new ZoError(
      'ZO_INVALID_ARGUMENT',
      `direction range [${from}, ${to}) must be non-negative integers below 2^34`,
    );
  }
}

/** A checked request for z_j, j in [from, to): the Philox key, stream and distribution. */
export interface DirectionRange {
  readonly k0: number;
  readonly k1: number;
  readonly stream: number;
  readonly distribution: DirectionDistribution;
  readonly to: number;
}

/** Validates a `fillDirectionRange` request (shared with the worker pool, which shards it). */
export function resolveDirectionRange(
  seed: bigint,
  out: Float32Array,
  from: number,
  options: DirectionOptions,
): DirectionRange {
  const [k0, k1] = seedToKey(seed);
  const stream = options.stream ?? 0;
  checkStream(stream);
  const distribution = options.distribution ?? 'gaussian';
  checkDistribution(distribution);
  const to = from + out.length;
  checkDirectionRange(from, to);
  return { k0, k1, stream, distribution, to };
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
  const { k0, k1, stream, distribution, to } = resolveDirectionRange(seed, out, from, options);
  const gaussian = distribution === 'gaussian';
  const kernel = options.engine === 'js' ? undefined : philoxBlockKernel;
  const gaussianKernel = gaussian && options.engine !== 'js' ? gaussianBlockKernel : undefined;
  const firstWhole = Math.ceil(from / 4);
  const endWhole = Math.max(firstWhole, Math.floor(to / 4));
  // Partial blocks: the head (when `from` is not block-aligned) and the tail (when `to` is not
  // and its block is not the head's).
  if (from % 4 !== 0 && to > from) {
    writePartialBlock(
      Math.floor(from / 4),
      from,
      to,
      stream,
      k0,
      k1,
      gaussian,
      out,
      gaussianKernel,
    );
  }
  if (to % 4 !== 0 && Math.floor(to / 4) >= firstWhole) {
    writePartialBlock(Math.floor(to / 4), from, to, stream, k0, k1, gaussian, out, gaussianKernel);
  }
  // Whole blocks.
  if (gaussianKernel !== undefined) {
    for (let b = firstWhole; b < endWhole; b += WASM_CHUNK_BLOCKS) {
      const count = Math.min(WASM_CHUNK_BLOCKS, endWhole - b);
      out.set(gaussianKernel(k0, k1, stream, b, count).subarray(0, 4 * count), 4 * b - from);
    }
  } else if (kernel !== undefined) {
    for (let b = firstWhole; b < endWhole; b += WASM_CHUNK_BLOCKS) {
      const count = Math.min(WASM_CHUNK_BLOCKS, endWhole - b);
      wordsToEntries(kernel(k0, k1, stream, b, count), 0, count, out, 4 * b - from, gaussian);
    }
  } else {
    for (let b = firstWhole; b < endWhole; b++) {
      philox4x32Into(b, stream, 0, 0, k0, k1, block);
      wordsToEntries(block, 0, 1, out, 4 * b - from, gaussian);
    }
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
