/**
 * Counter-based, seeded random numbers for initialising weights. Element `i` of tensor `name`
 * depends only on (seed, name, i), never on the order tensors are written or on chunk sizes:
 * - key: k1 = fmix32(seed ^ 0x9e3779b9) ^ fnv1a32(utf8(name)), k2 = fmix32(k1 ^ 0x85ebca6b);
 * - word n: fmix32(fmix32(imul(n, 0x9e3779b1) ^ k1) ^ k2), with fmix32 the MurmurHash3 finaliser;
 * - normal pair j (elements 2j, 2j+1): Box–Muller with u1 = (word(2j) + 1) / 2^32 ∈ (0, 1] and
 *   u2 = word(2j+1) / 2^32: r = sqrt(−2 ln u1), element 2j = r cos(2π u2), 2j+1 = r sin(2π u2).
 * Box–Muller uses Math.log/cos/sin, so bytes are identical run to run on one JavaScript engine;
 * another engine may differ in the last bit of a few values.
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** The two 32-bit keys of tensor `name` under `seed` (an unsigned 32-bit integer). */
function keys(seed: number, name: string): [number, number] {
  const k1 = (fmix32((seed ^ 0x9e3779b9) >>> 0) ^ fnv1a32(name)) >>> 0;
  return [k1, fmix32((k1 ^ 0x85ebca6b) >>> 0)];
}

/** Word `n` of the stream of tensor `name` under `seed`: a uniform unsigned 32-bit integer. */
export function randomWord(seed: number, name: string, n: number): number {
  const [k1, k2] = keys(seed, name);
  return fmix32((fmix32((Math.imul(n, 0x9e3779b1) ^ k1) >>> 0) ^ k2) >>> 0);
}

const TWO_POW_32 = 4294967296;

/**
 * Fills `out` with elements [start, start + out.length) of the normal(mean, std) stream of
 * tensor `name` under `seed`.
 */
export function fillNormal(
  seed: number,
  name: string,
  start: number,
  out: Float32Array,
  std: number,
  mean = 0,
): void {
  const [k1, k2] = keys(seed, name);
  const word = (n: number) => fmix32((fmix32((Math.imul(n, 0x9e3779b1) ^ k1) >>> 0) ^ k2) >>> 0);
  const end = start + out.length;
  for (let i = start; i < end; ) {
    const pair = i >>> 1;
    const u1 = (word(2 * pair) + 1) / TWO_POW_32;
    const u2 = word(2 * pair + 1) / TWO_POW_32;
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
