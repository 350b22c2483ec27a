/**
 * Philox4x32 counter-based random number generator (Salmon et al., "Parallel random numbers:
 * as easy as 1, 2, 3", SC'11), bit-compatible with Random123's `philox4x32_R`.
 */

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9 | 0;
const PHILOX_W1 = 0xbb67ae85 | 0;
const M0_LO = PHILOX_M0 & 0xffff;
const M0_HI = PHILOX_M0 >>> 16;
const M1_LO = PHILOX_M1 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16;

/** Default round count: Philox4x32-10. */
export const PHILOX_ROUNDS = 10;

/**
 * High 32 bits of the 64-bit product a·M, from 16-bit halves so every step stays in int32
 * arithmetic (the fastest path in JS engines). `mLo`/`mHi` are the halves of the constant M.
 */
function mulHi(a: number, mLo: number, mHi: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const ll = Math.imul(aLo, mLo) >>> 0;
  const lh = Math.imul(aLo, mHi) >>> 0;
  const hl = Math.imul(aHi, mLo) >>> 0;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (Math.imul(aHi, mHi) + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/**
 * Allocation-free core: runs `rounds` Philox rounds on counter (c0..c3) with key (k0, k1)
 * and writes the four output words into `out[0..3]`.
 */
export function philox4x32Into(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  rounds: number = PHILOX_ROUNDS,
): void {
  c0 |= 0;
  c1 |= 0;
  c2 |= 0;
  c3 |= 0;
  k0 |= 0;
  k1 |= 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + PHILOX_W0) | 0;
      k1 = (k1 + PHILOX_W1) | 0;
    }
    const hi0 = mulHi(c0, M0_LO, M0_HI);
    const lo0 = Math.imul(c0, PHILOX_M0);
    const hi1 = mulHi(c2, M1_LO, M1_HI);
    const lo1 = Math.imul(c2, PHILOX_M1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/**
 * Philox4x32-10 on a 4-word counter and a 2-word key; returns the 4 output words.
 * Reproduces Random123's known-answer vectors.
 */
export function philox4x32(
  counter: Uint32Array,
  key: Uint32Array,
  rounds: number = PHILOX_ROUNDS,
): Uint32Array {
  if (counter.length !== 4 || key.length !== 2) {
    throw new RangeError(
      `philox4x32 needs a 4-word counter and a 2-word key, got ${counter.length} and ${key.length}`,
    );
  }
  const out = new Uint32Array(4);
  philox4x32Into(counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!, out, rounds);
  return out;
}
