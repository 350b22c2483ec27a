import { fnv1a32 } from './fnv1a.js';

/**
 * Counter-hash stream v1: the seeded, counter-based numbers that initialise random model weights
 * (`@meerkat/lm`'s random checkpoints). Word `n` of stream `name` depends only on
 * (seed, name, n), never on the order streams are read or on chunk sizes:
 * - key: k1 = fmix32(seed ^ 0x9e3779b9) ^ fnv1a32(utf8(name)), k2 = fmix32(k1 ^ 0x85ebca6b);
 * - word n: fmix32(fmix32(imul(n, 0x9e3779b1) ^ k1) ^ k2), with fmix32 the MurmurHash3 finaliser;
 * - normal pair j (elements 2j, 2j+1): Box–Muller with u1 = (word(2j) + 1) / 2^32 ∈ (0, 1] and
 *   u2 = word(2j+1) / 2^32: r = sqrt(−2 ln u1), element 2j = r cos(2π u2), 2j+1 = r sin(2π u2).
 * Box–Muller uses Math.log/cos/sin, so values are identical run to run on one JavaScript engine;
 * another engine may differ in the last bit of a few values.
 * It is not the Philox uniform stream and must not be swapped for it: checkpoints written from
 * it would change.
 */

/** MurmurHash3's 32-bit finaliser (avalanche mix), as an unsigned integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = new TextEncoder();

/** The two 32-bit keys of stream `name` under `seed` (an unsigned 32-bit integer). */
function keys(seed: number, name: string): [number, number] {
  const k1 = (fmix32((seed ^ 0x9e3779b9) >>> 0) ^ fnv1a32(utf8.encode(name))) >>> 0;
  return [k1, fmix32((k1 ^ 0x85ebca6b) >>> 0)];
}

function word(n: number, k1: number, k2: number): number {
  return fmix32((fmix32((Math.imul(n, 0x9e3779b1) ^ k1) >>> 0) ^ k2) >>> 0);
}

/** Word `n` of the counter-hash stream `name` under `seed`: a uniform unsigned 32-bit integer. */
export function hashStreamWord(seed: number, name: string, n: number): number {
  const [k1, k2] = keys(seed, name);
  return word(n, k1, k2);
}

const TWO_POW_32 = 4294967296;

/**
 * Fills `out` with elements [start, start + out.length) of the normal(mean, std) counter-hash
 * stream `name` under `seed`.
 */
export function fillHashStreamNormal(
  seed: number,
  name: string,
  start: number,
  out: Float32Array,
  std: number,
  mean = 0,
): void {
  const [k1, k2] = keys(seed, name);
  const end = start + out.length;
  for (let i = start; i < end; ) {
    const pair = i >>> 1;
    const u1 = (word(2 * pair, k1, k2) + 1) / TWO_POW_32;
    const u2 = word(2 * pair + 1, k1, k2) / TWO_POW_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    if ((i & 1) === 0) {
      out[i - start] = mean + std * r * Math.cos(theta);
      i++;
      if (i < end) {
        out[i - start] = mean + std * r * Math.sin(theta);
        i++;
      }
    } else {
      out[i - start] = mean + std * r * Math.sin(theta);
      i++;
    }
  }
}
