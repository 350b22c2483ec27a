import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectToRun } from '../src/connect.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

describe('TLS with a certificate made by openssl', () => {
  let fx: NatsFixture;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'tls', clientIds: ['c1'], tls: true });
  }, 20_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('connects over TLS, verifying the server against the generated CA', async () => {
    const nc = await fx.connect('coordinator');
    try {
      expect(nc.info?.tls_required).toBe(true);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.streams).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it('refuses a connection that does not do TLS', async () => {
    const seed = new TextEncoder().encode(fx.coordinator.seed);
    await expect(
      connect({
        servers: `nats://127.0.0.1:${fx.port()}`,
        authenticator: nkeyAuthenticator(seed),
        tls: null,
        reconnect: false,
        timeout: 3000,
      }),
    ).rejects.toThrow(/tls/i);
  });

  it('refuses a server whose certificate the client cannot verify (no CA given)', async () => {
    await expect(
      connectToRun({
        servers: fx.url(),
        seed: fx.coordinator.seed,
        reconnect: false,
        timeoutMs: 3000,
      }),
    ).rejects.toThrow(/self[- ]signed|certificate|verify/i);
  });
});
