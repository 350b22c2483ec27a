/**
 * Independent references for the tests: Philox4x32 in BigInt arithmetic, straight from the paper
 * (Salmon et al., SC'11), and a deterministic word source for random test inputs.
 */
export function philoxReference(counter: readonly number[], key: readonly number[], rounds = 10) {
  const mask = 0xffffffffn;
  let [c0, c1, c2, c3] = counter.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & mask;
      k1 = (k1 + 0xbb67ae85n) & mask;
    }
    const p0 = c0 * 0xd2511f53n;
    const p1 = c2 * 0xcd9e8d57n;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
  }
  return [c0, c1, c2, c3].map(Number) as [number, number, number, number];
}

/** The Philox key words (lo, hi) of a 64-bit seed, in BigInt arithmetic. */
export function keyOf(seed: bigint): [number, number] {
  return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
}

/** A deterministic stream of test words (an LCG with an output mix); not under test. */
export function testWords(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state ^ (state >>> 11) ^ Math.imul(state, 2654435761)) >>> 0;
  };
}
