/**
 * The 53 random bits of a double drawn from two 32-bit words: the top 27 bits of `hi` and the top
 * 26 bits of `lo`, as an integer in [0, 2^53). Divide by 2^53 for [0, 1); add ½ first for (0, 1).
 */
export function bits53(hi: number, lo: number): number {
  return (hi >>> 5) * 67108864 + (lo >>> 6);
}

/** 2^−53: scales `bits53` to the unit interval exactly (a power of two). */
export const INV_2_53 = 1 / 9007199254740992;
