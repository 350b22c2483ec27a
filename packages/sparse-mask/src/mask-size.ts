import { SparseMaskError } from './errors.js';

/** How many indices a mask holds: an exact count `k`, or a density ρ with k = max(1, round(ρ·d)). */
export type MaskSize = { readonly k: number } | { readonly density: number };

/**
 * Resolves a {@link MaskSize} against d. `k` must be an integer in [1, d]; `density` must be in
 * (0, 1] and gives k = max(1, Math.round(ρ·d)) (halves round up). Throws `MASK_INVALID_ARGUMENT`.
 */
export function resolveMaskSize(size: MaskSize, d: number): number {
  if (size !== null && typeof size === 'object' && 'k' in size) {
    const { k } = size;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > d) {
      throw new SparseMaskError(
        'MASK_INVALID_ARGUMENT',
        `k must be an integer in [1, d = ${d}], got ${String(k)}.`,
      );
    }
    return k;
  }
  if (size !== null && typeof size === 'object' && 'density' in size) {
    const { density } = size;
    if (typeof density !== 'number' || !(density > 0 && density <= 1)) {
      throw new SparseMaskError(
        'MASK_INVALID_ARGUMENT',
        `density must be a number in (0, 1], got ${String(density)} (e.g. 1e-3 for 0.1%).`,
      );
    }
    return Math.min(d, Math.max(1, Math.round(density * d)));
  }
  throw new SparseMaskError(
    'MASK_INVALID_ARGUMENT',
    'A mask size is { k: number } or { density: number }.',
  );
}

/**
 * Splits k over tensors of the given sizes in proportion to their sizes by the largest-remainder
 * (Hamilton) rule: tensor t first gets floor(k·s_t / d); the k − Σ floors leftover units go one
 * each to the tensors with the largest remainders (k·s_t mod d), ties to the earlier tensor.
 * Exact integer arithmetic; the parts sum to k and each part is ≤ its tensor's size.
 */
export function apportionK(k: number, sizes: readonly number[]): number[] {
  const d = sizes.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(k) || k < 0 || k > d) {
    throw new SparseMaskError(
      'MASK_INVALID_ARGUMENT',
      `k must be an integer in [0, ${d}], got ${k}.`,
    );
  }
  const bk = BigInt(k);
  const bd = BigInt(d);
  const parts: number[] = [];
  const remainders: bigint[] = [];
  let assigned = 0;
  for (const s of sizes) {
    const quota = bk * BigInt(s);
    const part = Number(quota / bd);
    parts.push(part);
    remainders.push(quota % bd);
    assigned += part;
  }
  const order = sizes.map((_, t) => t);
  order.sort((a, b) => {
    const ra = remainders[a]!;
    const rb = remainders[b]!;
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
  for (let j = 0; j < k - assigned; j++) parts[order[j]!]! += 1;
  return parts;
}
