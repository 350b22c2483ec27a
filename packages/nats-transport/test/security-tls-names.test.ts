import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToRun } from '../src/connect.js';
import { serverHost, serverIdentityCheck } from '../src/server-identity.js';
import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

/**
 * A server reached by IP address is checked against that address. The NATS client sends no
 * server name for an IP URL and Node would check the certificate against "localhost": an
 * IP-only certificate was refused (ERR_TLS_CERT_ALTNAME_INVALID: Host: localhost) and a
 * certificate for "localhost" was accepted for any address.
 */
describe('TLS by IP address verifies the address the client connected to', () => {
  const fixtures: NatsFixture[] = [];
  let ipOnly: NatsFixture;
  let wrongName: NatsFixture;
  let localhostOnly: NatsFixture;

  beforeAll(async () => {
    const start = (commonName: string, subjectAltName: string) =>
      startNatsFixture({ run: 'tls-names', clientIds: [], tls: { commonName, subjectAltName } });
    ipOnly = await start('meerkat-test-server', 'IP:127.0.0.1');
    wrongName = await start('example.com', 'DNS:example.com');
    localhostOnly = await start('localhost', 'DNS:localhost');
    fixtures.push(ipOnly, wrongName, localhostOnly);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(fixtures.map((f) => f.close()));
  });

  const connectTo = (fx: NatsFixture, url = fx.url()) =>
    connectToRun({
      servers: url,
      seed: fx.coordinator.seed,
      caFile: fx.certificate!.caFile,
      reconnect: false,
      timeoutMs: 3000,
    });

  it('accepts a certificate whose only name is the IP SAN 127.0.0.1', async () => {
    const nc = await connectTo(ipOnly);
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
  });

  it('refuses a certificate for another name, saying which address it checked', async () => {
    await expect(connectTo(wrongName)).rejects.toThrow(/127\.0\.0\.1|altname|hostname/i);
  });

  it('refuses a certificate for "localhost" when the client connected to 127.0.0.1', async () => {
    await expect(connectTo(localhostOnly)).rejects.toThrow(/127\.0\.0\.1|altname|hostname/i);
  });

  it('checks a host name as a host name: tls://localhost accepts the "localhost" certificate', async () => {
    const nc = await connectTo(
      localhostOnly,
      localhostOnly.url().replace('127.0.0.1', 'localhost'),
    );
    await nc.close();
  });
});

describe('serverHost', () => {
  it('takes the host of URLs with or without a scheme, IPv6 without brackets', () => {
    expect(serverHost('tls://10.0.0.5:4222')).toBe('10.0.0.5');
    expect(serverHost('nats.example:4222')).toBe('nats.example');
    expect(serverHost('tls://[::1]:4222')).toBe('::1');
    expect(serverIdentityCheck(['tls://10.0.0.5:4222'])).toBeTypeOf('function');
  });
});
