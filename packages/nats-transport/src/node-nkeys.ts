import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { MeerkatError } from '@meerkat/trainer';

/**
 * NATS nkey users with Node's own ed25519 (OpenSSL) instead of the JavaScript one of
 * `@nats-io/nkeys`: the same keys, seeds and signatures (ed25519 is deterministic; the tests
 * compare them with `@nats-io/nkeys`), at about 0.1 ms instead of 9–22 ms a key or signature.
 * A process that opens thousands of client connections (the load bench, a client gateway) or an
 * operator issuing credentials for thousands of clients is bound by that cost otherwise.
 *
 * The nkey text format: base32 (RFC 4648, no padding) of [prefix byte(s), 32 key bytes, CRC-16
 * (XMODEM: polynomial 0x1021, initial 0) of the preceding bytes, little-endian]. A user's public
 * key starts with the byte 20 << 3 ("U"), its seed with the two bytes (18 << 3) | (20 >> 5) and
 * (20 & 31) << 3 ("SU").
 */

const USER = 20 << 3;
const SEED = 18 << 3;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** DER of an ed25519 private key (PKCS #8) before its 32 seed bytes, and of a public key (SPKI). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let value = 0;
  let bits = 0;
  let j = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0)
      throw new MeerkatError('MEERKAT_CONFIG_INVALID', 'an nkey seed has a non-base32 character');
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** base32 of the bytes followed by their CRC-16, little-endian. */
function withChecksum(bytes: Uint8Array): string {
  const raw = new Uint8Array(bytes.length + 2);
  raw.set(bytes);
  const crc = crc16(bytes);
  raw[bytes.length] = crc & 0xff;
  raw[bytes.length + 1] = crc >> 8;
  return base32Encode(raw);
}

/** The 32 seed bytes of a user seed (`SU…`); `MEERKAT_CONFIG_INVALID` for anything else. */
export function userSeedBytes(seed: string | Uint8Array): Uint8Array {
  const text = (typeof seed === 'string' ? seed : new TextDecoder().decode(seed)).trim();
  const raw = base32Decode(text);
  const ok =
    raw.length === 36 &&
    raw[0] === (SEED | (USER >> 5)) &&
    raw[1] === (USER & 31) << 3 &&
    crc16(raw.subarray(0, 34)) === (raw[34]! | (raw[35]! << 8));
  if (!ok) {
    throw new MeerkatError(
      'MEERKAT_CONFIG_INVALID',
      'not an nkey user seed (expected "SU…" with a valid checksum)',
    );
  }
  return raw.slice(2, 34);
}

function privateKeyOf(seedBytes: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seedBytes]),
    format: 'der',
    type: 'pkcs8',
  });
}

function publicKeyText(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return withChecksum(Uint8Array.of(USER, ...der.subarray(SPKI_PREFIX_LENGTH)));
}

/** A new nkey user: its public key (`U…`) and seed (`SU…`), as `@nats-io/nkeys` `createUser`. */
export function createUserNkey(): { publicKey: string; seed: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seedBytes = der.subarray(PKCS8_PREFIX.length);
  const seed = withChecksum(Uint8Array.of(SEED | (USER >> 5), (USER & 31) << 3, ...seedBytes));
  return { publicKey: publicKeyText(privateKey), seed };
}

/**
 * nats.js's authenticator for an nkey user (what `nkeyAuthenticator(seed)` does: the public key
 * and the server's nonce signed, base64), with the key derived once.
 */
export function userNkeyAuthenticator(
  seed: string | Uint8Array,
): (nonce?: string) => { nkey: string; sig: string } {
  const key = privateKeyOf(userSeedBytes(seed));
  const nkey = publicKeyText(key);
  return (nonce?: string) => ({
    nkey,
    sig: nonce ? sign(null, Buffer.from(nonce), key).toString('base64') : '',
  });
}
