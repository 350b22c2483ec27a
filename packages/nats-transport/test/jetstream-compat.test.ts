import { createHash } from 'node:crypto';

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type NatsFixture, startNatsFixture } from '../src/testing/nats-server-fixture.js';

/**
 * nats.js 3.3 against the Debian nats-server 2.9.10: the JetStream features the transport uses
 * (streams with message-id deduplication, durable pull consumers, KV, object store) all work,
 * and survive a server restart on the same file storage.
 */
describe('nats.js 3.3 JetStream against nats-server 2.9', () => {
  let fx: NatsFixture;
  let nc: NatsConnection;

  beforeAll(async () => {
    fx = await startNatsFixture({ run: 'compat', clientIds: ['c1'] });
    nc = await fx.connect('coordinator');
  }, 20_000);

  afterAll(async () => {
    await nc?.close();
    await fx?.close();
  });

  it('deduplicates by Nats-Msg-Id and delivers through a durable pull consumer', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'DEDUP', subjects: ['dedup.>'], duplicate_window: 60e9 });
    const js = jetstream(nc);
    const first = await js.publish('dedup.a', 'one', { msgID: 'run/1/c1' });
    const again = await js.publish('dedup.a', 'two', { msgID: 'run/1/c1' });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    const h = headers();
    h.set('Nats-Msg-Id', 'run/2/c1');
    await js.publish('dedup.a', 'three', { headers: h });
    await jsm.consumers.add('DEDUP', { durable_name: 'reader', ack_policy: 'explicit' });
    const consumer = await js.consumers.get('DEDUP', 'reader');
    const batch = await consumer.fetch({ max_messages: 10, expires: 1000 });
    const got: string[] = [];
    for await (const m of batch) {
      got.push(m.string());
      m.ack();
    }
    expect(got).toEqual(['one', 'three']);
  });

  it('stores and reads KV entries, with revisions for compare-and-set', async () => {
    const kv = await new Kvm(nc).create('compat_kv', { history: 1 });
    const r1 = await kv.put('state', '{"round":1}');
    await kv.update('state', '{"round":2}', r1);
    await expect(kv.update('state', '{"round":3}', r1)).rejects.toThrow();
    const e = await kv.get('state');
    expect(e?.string()).toBe('{"round":2}');
  });

  it('stores a 300 kB object in chunks and reads it back with its sha256 digest', async () => {
    const os = await new Objm(nc).create('compat_obj');
    const data = new Uint8Array(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const info = await os.putBlob(
      { name: 'mask.bin', options: { max_chunk_size: 64 * 1024 } },
      data,
    );
    expect(info.chunks).toBe(5);
    // The object store's digest is base64url *with* padding.
    const sha = createHash('sha256').update(data).digest('base64');
    expect(info.digest).toBe(`SHA-256=${sha.replaceAll('+', '-').replaceAll('/', '_')}`);
    const back = await os.getBlob('mask.bin');
    expect(back).toEqual(data);
  });

  it('keeps streams, KV and objects across a server restart (file storage)', async () => {
    await fx.restart();
    const nc2 = await fx.connect('coordinator');
    try {
      const kv = await new Kvm(nc2).open('compat_kv');
      expect((await kv.get('state'))?.string()).toBe('{"round":2}');
      const os = await new Objm(nc2).open('compat_obj');
      expect((await os.getBlob('mask.bin'))?.length).toBe(300_000);
      const jsm = await jetstreamManager(nc2);
      expect((await jsm.streams.info('DEDUP')).state.messages).toBe(2);
    } finally {
      await nc2.close();
    }
  }, 20_000);
});
