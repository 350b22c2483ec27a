/**
 * FNV-1a (Fowler–Noll–Vo, variant 1a) over bytes, in the two widths Meerkat uses:
 * - 32-bit: client ids in seed derivation v1, tensor names in the counter-hash stream;
 * - 64-bit: parameter-layout fingerprints (as 16 hex digits).
 * Hash text as its UTF-8 bytes: `fnv1a32(new TextEncoder().encode(text))`.
 */

/** FNV-1a 32-bit (offset basis 0x811c9dc5, prime 0x01000193) of bytes, as an unsigned integer. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * FNV-1a 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3) in plain 32-bit-safe
 * arithmetic on four 16-bit limbs, so it runs unchanged in browsers and needs no BigInt.
 * Returns the hash as 16 lowercase hex digits, most significant first.
 */
export function fnv1a64Hex(bytes: Uint8Array): string {
  // Limbs, least significant first: h = h0 + h1·2^16 + h2·2^32 + h3·2^48.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    // h · (2^40 + 0x1b3) mod 2^64; 2^40 = 2^8 · 2^32 shifts limb j into limb j+2 (times 0x100).
    const r0 = h0 * 0x1b3;
    const r1 = h1 * 0x1b3 + (r0 >>> 16);
    const r2 = h2 * 0x1b3 + h0 * 0x100 + Math.floor(r1 / 0x10000);
    const r3 = h3 * 0x1b3 + h1 * 0x100 + Math.floor(r2 / 0x10000);
    h0 = r0 & 0xffff;
    h1 = r1 & 0xffff;
    h2 = r2 % 0x10000;
    h3 = r3 % 0x10000;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
}
