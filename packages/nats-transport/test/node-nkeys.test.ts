import { MeerkatError } from '@meerkat/trainer';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { nkeyAuthenticator } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { createUserNkey, userNkeyAuthenticator, userSeedBytes } from '../src/node-nkeys.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("nkeys with Node's ed25519", () => {
  it('signs the server nonce exactly as nats.js does, for keys made by @nats-io/nkeys', () => {
    for (let i = 0; i < 50; i++) {
      const kp = createUser();
      const seed = text(kp.getSeed());
      const nonce = `nonce-${i}-${Math.random().toString(36)}`;
      const ours = userNkeyAuthenticator(seed)(nonce);
      expect(ours).toEqual(nkeyAuthenticator(kp.getSeed())(nonce));
      expect(ours.nkey).toBe(kp.getPublicKey());
      expect(userNkeyAuthenticator(kp.getSeed())()).toEqual({ nkey: kp.getPublicKey(), sig: '' });
    }
  });

  it('makes users @nats-io/nkeys reads back: the same public key from the seed', () => {
    for (let i = 0; i < 50; i++) {
      const { publicKey, seed } = createUserNkey();
      expect(seed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(publicKey).toMatch(/^U[A-Z2-7]{55}$/);
      const kp = fromSeed(new TextEncoder().encode(seed));
      expect(kp.getPublicKey()).toBe(publicKey);
      const message = new TextEncoder().encode(`check ${i}`);
      expect(kp.verify(message, kp.sign(message))).toBe(true);
    }
  });

  it('refuses what is not a user seed: a typo, another role, a public key', () => {
    const seed = text(createUser().getSeed());
    const typo = `${seed.slice(0, 10)}${seed[10] === 'A' ? 'B' : 'A'}${seed.slice(11)}`;
    for (const bad of [typo, 'SU', seed.toLowerCase(), createUser().getPublicKey(), `${seed}AA`]) {
      expect(() => userSeedBytes(bad), bad).toThrow(MeerkatError);
    }
    expect(userSeedBytes(`  ${seed}\n`)).toHaveLength(32);
  });
});
