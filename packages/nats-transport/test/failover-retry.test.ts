import { describe, expect, it } from 'vitest';
import { isFailoverError, retryDuringFailover } from '../src/failover-retry.js';

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

describe('retryDuringFailover', () => {
  it('tries a request again while it fails as during a leader election, then returns its value', async () => {
    let calls = 0;
    const value = await retryDuringFailover(async () => {
      calls++;
      if (calls < 3) throw new TimeoutError('timeout');
      return 'put';
    });
    expect(value).toBe('put');
    expect(calls).toBe(3);
  });

  it('does not retry other errors, and gives up after the attempts', async () => {
    let calls = 0;
    const other = new Error('permissions violation for publish');
    await expect(
      retryDuringFailover(async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryDuringFailover(async () => {
        calls++;
        throw new Error('503 no responders available');
      }, 2),
    ).rejects.toThrow(/no responders/);
    expect(calls).toBe(2);
  });

  it('recognises the errors JetStream gives while a replicated asset has no leader', () => {
    expect(isFailoverError(new TimeoutError('timeout'))).toBe(true);
    expect(isFailoverError(new Error('503'))).toBe(true);
    expect(isFailoverError(new Error('JetStream system temporarily unavailable'))).toBe(true);
    expect(isFailoverError(new Error('stream not found'))).toBe(false);
    expect(isFailoverError('timeout')).toBe(false);
    // nats.js: a KV put (a JetStream publish) to a stream without a leader.
    const noResponders = new Error("no responders: '$KV.meerkat_run.state'");
    const publish = new Error('jetstream is not enabled', { cause: noResponders });
    expect(isFailoverError(publish)).toBe(true);
    expect(isFailoverError(new Error('jetstream is not enabled'))).toBe(false);
  });
});
