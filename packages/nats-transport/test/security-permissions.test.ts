import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import {
  connect,
  type NatsConnection,
  nkeyAuthenticator,
  PermissionViolationError,
} from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

/** First PermissionViolationError the connection reports on its status stream, or null (bounded wait). */
async function nextPermissionError(
  nc: NatsConnection,
  withinMs: number,
): Promise<PermissionViolationError | null> {
  const timeout = new Promise<null>((r) => setTimeout(() => r(null), withinMs));
  const watch = (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof PermissionViolationError) return s.error;
    }
    return null;
  })();
  return Promise.race([watch, timeout]);
}

describe('NATS subject permissions and authentication of a run', () => {
  let fx: NatsFixture;
  let coordinator: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'sec', clientIds: ['c1', 'c2'] });
    coordinator = await fx.connect('coordinator');
    const jsm = await jetstreamManager(coordinator);
    await jsm.streams.add({
      name: fx.subjects.updateStream,
      subjects: [fx.subjects.updateWildcard],
    });
    await jsm.streams.add({
      name: fx.subjects.broadcastStream,
      subjects: [fx.subjects.broadcastWildcard],
    });
  }, 20_000);

  afterAll(async () => {
    await coordinator?.close();
    await fx?.close();
  });

  async function updateSubjectsStored(): Promise<Record<string, number>> {
    const jsm = await jetstreamManager(coordinator);
    const info = await jsm.streams.info(fx.subjects.updateStream, { subjects_filter: '>' });
    return { ...(info.state.subjects ?? {}) };
  }

  it('lets a client publish its update on its own subject (JetStream ack through its own inbox)', async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const ack = await jetstream(c1).publish(fx.subjects.update('c1'), 'u', { msgID: 'sec/1/c1' });
      expect(ack.stream).toBe(fx.subjects.updateStream);
      expect(await updateSubjectsStored()).toEqual({ [fx.subjects.update('c1')]: 1 });
    } finally {
      await c1.close();
    }
  });

  it("refuses a client publishing on another client's update subject", async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const forged = fx.subjects.update('c2');
      // A JetStream publish (request) is rejected with the permission violation...
      await expect(jetstream(c1).publish(forged, 'forged')).rejects.toThrow(
        /Permissions Violation/i,
      );
      // ...and a plain publish is reported on the connection's status stream.
      const seen = nextPermissionError(c1, 3000);
      c1.publish(forged, 'forged again');
      const err = await seen;
      expect(err).toBeInstanceOf(PermissionViolationError);
      expect(err?.operation).toBe('publish');
      expect(err?.subject).toBe(forged);
      await coordinator.flush();
      expect(await updateSubjectsStored()).toEqual({ [fx.subjects.update('c1')]: 1 });
    } finally {
      await c1.close();
    }
  });

  it.each([
    ["other clients' updates", (f: NatsFixture) => f.subjects.updateWildcard],
    ["another client's downlink", (f: NatsFixture) => f.subjects.down('c2')],
  ])('refuses a client subscribing to %s', async (_what, subject) => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const seen = nextPermissionError(c1, 3000);
      c1.subscribe(subject(fx));
      const err = await seen;
      expect(err?.operation).toBe('subscription');
      expect(err?.subject).toBe(subject(fx));
    } finally {
      await c1.close();
    }
  });

  it('lets a client subscribe to its own downlink and the broadcasts (no violation)', async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      const seen = nextPermissionError(c1, 500);
      c1.subscribe(fx.subjects.down('c1'));
      c1.subscribe(fx.subjects.broadcastWildcard);
      await c1.flush();
      expect(await seen).toBeNull();
    } finally {
      await c1.close();
    }
  });

  it('refuses a client reading the update stream through the JetStream API', async () => {
    const c1 = await fx.connect({ clientId: 'c1' });
    try {
      await expect(jetstream(c1).consumers.get(fx.subjects.updateStream)).rejects.toThrow(
        /Permissions Violation|permission/i,
      );
    } finally {
      await c1.close();
    }
  });

  it('refuses a connection without credentials', async () => {
    await expect(connect({ servers: fx.url(), reconnect: false, timeout: 3000 })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('refuses a connection with an nkey the server does not know', async () => {
    const stranger = createUser();
    await expect(
      connect({
        servers: fx.url(),
        authenticator: nkeyAuthenticator(stranger.getSeed()),
        reconnect: false,
        timeout: 3000,
      }),
    ).rejects.toThrow(/Authorization Violation/i);
  });
});
