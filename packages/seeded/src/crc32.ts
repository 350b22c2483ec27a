/**
 * CRC-32 (IEEE 802.3), the checksum of every Meerkat binary format (masks, replay logs,
 * checkpoints). Check value: crc32("123456789") = 0xCBF43926.
 */

/** CRC-32 table for the reflected IEEE 802.3 polynomial 0xEDB88320 (zlib, PNG, gzip). */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE; init 0xFFFFFFFF, reflected, final xor 0xFFFFFFFF) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
